import { ChunkText, SseChunks, type StreamItem } from "../core/chunk-text.js";
import type { ChatChunk } from "../core/chat.js";
import { GatewayError, invalidResponse } from "../core/errors.js";
import { mapOpenAILikeFinishReason, type MappedFinishReason } from "../core/finish-reason.js";
import type { Usage } from "../core/usage.js";
import type { DataFrames } from "../transport/sse.js";
import type { SseEvent, StreamTranslator } from "./adapter.js";
import { parseErrorBody } from "./openai-error.js";
import { usageFromOpenAI } from "./openai-usage.js";

/**
 * Nothing to change or record in this event: no usage, no error, no finish
 * reason (compact JSON as every provider sends it; anything else takes the
 * parsing path, which is always correct). Such events pass through as text.
 */
const NULL_FINISH = /"finish_reason":null/;
const NEEDS_PARSING = /"finish_reason":"|"error"|"usage":(?!null)|"x_groq"/;
const NULL_FINISH_TEXT = '"finish_reason":null';
const NEEDS_PARSING_ANYWHERE = new RegExp(NEEDS_PARSING.source, "g");

function isPlainDelta(data: string): boolean {
  // Two regex scans cost a third of one JSON.parse (String#includes is slower here).
  return NULL_FINISH.test(data) && !NEEDS_PARSING.test(data);
}

/**
 * Translates an OpenAI-like SSE stream. Chunks pass through with finish reasons
 * unified; usage (OpenAI `usage`, Groq `x_groq.usage`) is collected and removed so
 * the gateway can emit exactly one usage chunk. `[DONE]` is consumed here.
 */
export class OpenAIStreamTranslator implements StreamTranslator {
  usage: Usage | undefined;
  finishReason: MappedFinishReason | undefined;
  private done = false;

  constructor(
    private readonly provider: string,
    private readonly retryableFinish: ReadonlySet<string>,
  ) {}

  push(event: SseEvent): StreamItem[] {
    const data = event.data;
    if (data === "[DONE]") {
      this.done = true;
      return [];
    }
    if (this.done || data.length === 0) return [];
    if (isPlainDelta(data)) return [new ChunkText(data)];
    let chunk: ChatChunk & { error?: unknown; x_groq?: { usage?: unknown } };
    try {
      chunk = JSON.parse(data);
    } catch {
      throw invalidResponse(this.provider, "an unparsable stream event");
    }
    if (chunk.error !== undefined) {
      const parsed = parseErrorBody(JSON.stringify({ error: chunk.error }));
      throw new GatewayError("upstream_error", `Provider '${this.provider}' failed mid-stream: ${parsed.message ?? "unknown error"}`, {
        provider: this.provider,
        code: parsed.code ?? null,
      });
    }
    const usage = usageFromOpenAI(chunk.usage) ?? usageFromOpenAI(chunk.x_groq?.usage);
    if (usage) this.usage = usage;
    if (chunk.usage !== undefined) delete chunk.usage;
    if (!Array.isArray(chunk.choices)) return [];
    if (chunk.choices.length === 0) return usage ? [] : [chunk];
    for (const choice of chunk.choices) {
      const raw = choice.finish_reason as string | null;
      if (raw === null || raw === undefined) continue;
      if (this.retryableFinish.has(raw)) {
        throw new GatewayError("upstream_unavailable", `Provider '${this.provider}' ended the stream with '${raw}'`, {
          provider: this.provider,
        });
      }
      const mapped = mapOpenAILikeFinishReason(raw);
      choice.finish_reason = mapped.unified;
      if (choice.index === 0 || this.finishReason === undefined) this.finishReason = mapped;
    }
    return [chunk];
  }

  /**
   * Runs of plain frames pass through as one slice of the upstream text; the
   * rest go through `push`. One regex scan per read instead of two per event.
   */
  pushFrames(frames: DataFrames, into: StreamItem[]): void {
    const { text, starts } = frames;
    const needsParsing = NEEDS_PARSING_ANYWHERE;
    needsParsing.lastIndex = 0;
    let flagged = -1;
    let nullFinish = -1;
    let run = -1;
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i]!;
      const end = i + 1 < starts.length ? starts[i + 1]! : text.length;
      // Both searches only move forward; a match never spans frames (frames are single lines).
      while (flagged < start) flagged = needsParsing.exec(text)?.index ?? text.length;
      if (nullFinish < start) nullFinish = text.indexOf(NULL_FINISH_TEXT, start) >>> 0;
      if (!this.done && nullFinish < end && flagged >= end) {
        if (run < 0) run = start;
        continue;
      }
      if (run >= 0) {
        into.push(new SseChunks(text.slice(run, start)));
        run = -1;
      }
      const chunks = this.push({ data: frames.data(i) });
      for (let c = 0; c < chunks.length; c++) into.push(chunks[c]!);
    }
    if (run >= 0) into.push(new SseChunks(run === 0 ? text : text.slice(run)));
  }

  end(): StreamItem[] {
    if (!this.done && this.finishReason === undefined) {
      throw invalidResponse(this.provider, "a stream that ended before it finished");
    }
    return [];
  }
}
