import { ChunkText, SseChunks, type StreamItem } from "../core/chunk-text.js";
import type { ChatChunk } from "../core/chat.js";
import { GatewayError, invalidResponse } from "../core/errors.js";
import { isRecord } from "../core/record.js";
import { settleChoiceFinish, type MappedFinishReason } from "../core/finish-reason.js";
import type { OpenAIUsage, Usage } from "../core/usage.js";
import type { DataFrames } from "../transport/sse.js";
import type { SseEvent, StreamTranslator } from "./adapter.js";
import { parseErrorBody } from "./openai-error.js";
import { usageFromOpenAI } from "./openai-usage.js";
import { normalizeToolCalls } from "./tool-call-shape.js";

/**
 * Nothing to change or record in this event: a null finish reason, no usage,
 * no error (compact JSON as every provider sends it; anything else takes the
 * parsing path, which is always correct). Such events pass
 * through as text. NEEDS_PARSING matches a superset of what matters (a false
 * match only costs a parse). Both searches start at a rare character: V8 scans
 * for a pattern's first character, and `"` is everywhere in JSON (a search
 * for `"finish_reason":null` took 7 µs over a 6 KB read, `finish_reason":null` 1.5 µs).
 */
const NEEDS_PARSING = /_reason":"|error"|usage":(?!null)|x_groq/;
const NEEDS_PARSING_ANYWHERE = new RegExp(NEEDS_PARSING.source, "g");
const NULL_FINISH = 'finish_reason":null';
const QUOTE = 34;

/** Where the next `"finish_reason":null` at or after `from` starts, or -1. */
function nextNullFinish(text: string, from: number): number {
  for (let at = text.indexOf(NULL_FINISH, from + 1); at >= 0; at = text.indexOf(NULL_FINISH, at + 1)) {
    if (text.charCodeAt(at - 1) === QUOTE) return at - 1;
  }
  return -1;
}

function isPlainDelta(data: string): boolean {
  return nextNullFinish(data, 0) >= 0 && !NEEDS_PARSING.test(data);
}

/**
 * Translates an OpenAI-like SSE stream. Chunks pass through with finish reasons
 * unified (and a missing one added as null); usage (OpenAI `usage`, Groq `x_groq.usage`) is collected and removed so
 * the gateway can emit exactly one usage chunk. `[DONE]` is consumed here.
 */
export class OpenAIStreamTranslator implements StreamTranslator {
  usage: Usage | undefined;
  upstreamUsage: OpenAIUsage | undefined;
  finishReason: MappedFinishReason | undefined;
  private done = false;

  constructor(
    private readonly provider: string,
    private readonly retryableFinish: ReadonlySet<string>,
    /** The host may send tool calls OpenAI clients cannot read (see tool-call-shape.ts): every event is parsed. */
    private readonly normalizesToolCalls = false,
  ) {}

  push(event: SseEvent): StreamItem[] {
    const data = event.data;
    if (data === "[DONE]") {
      this.done = true;
      return [];
    }
    if (this.done || data.length === 0) return [];
    if (!this.normalizesToolCalls && isPlainDelta(data)) return [new ChunkText(data)];
    let chunk: ChatChunk & { error?: unknown; x_groq?: { usage?: unknown } };
    try {
      chunk = JSON.parse(data);
    } catch {
      throw invalidResponse(this.provider, "an unparsable stream event");
    }
    if (!isRecord(chunk)) throw invalidResponse(this.provider, "a stream event that is not an object");
    if (chunk.error !== undefined) {
      const parsed = parseErrorBody(JSON.stringify({ error: chunk.error }));
      throw new GatewayError("upstream_error", `Provider '${this.provider}' failed mid-stream: ${parsed.message ?? "unknown error"}`, {
        provider: this.provider,
        code: parsed.code ?? null,
      });
    }
    // OpenAI's `usage`, else Groq's `x_groq.usage`; the object kept is the one the counts came from.
    let reported: unknown = chunk.usage;
    let usage = usageFromOpenAI(reported);
    if (!usage) usage = usageFromOpenAI((reported = chunk.x_groq?.usage));
    if (usage) {
      this.usage = usage;
      this.upstreamUsage = reported as OpenAIUsage;
    }
    let changed = chunk.usage !== undefined;
    if (changed) delete chunk.usage;
    if (!Array.isArray(chunk.choices)) return [];
    // No choice and no usage: nothing a client needs (Azure opens with such a chunk, its
    // prompt_filter_results under an empty id and model that would stand for the stream's).
    if (chunk.choices.length === 0) return [];
    for (const choice of chunk.choices) {
      if (!isRecord(choice)) throw invalidResponse(this.provider, "a stream event whose choices are not objects");
      if (this.normalizesToolCalls && isRecord(choice.delta) && normalizeToolCalls(choice.delta.tool_calls)) changed = true;
      // OpenAI's schema requires the key on every chunk's choice (null until the last); some hosts leave it out.
      if (choice.finish_reason === undefined) {
        choice.finish_reason = null;
        changed = true;
      }
      const mapped = settleChoiceFinish(choice, this.retryableFinish, this.provider, "stream");
      if (mapped === undefined) continue;
      if (mapped.unified !== mapped.raw) changed = true;
      if (choice.index === 0 || this.finishReason === undefined) this.finishReason = mapped;
    }
    // Unchanged (the usual finish event): its own text goes out, not a re-serialization.
    return [changed ? chunk : new ChunkText(data, chunk)];
  }

  /**
   * Runs of plain frames pass through as one slice of the upstream text; the
   * rest go through `push`. One scan of each kind per read instead of two per event.
   */
  pushFrames(frames: DataFrames, into: StreamItem[]): void {
    const { text, starts } = frames;
    if (this.normalizesToolCalls) {
      for (let i = 0; i < starts.length; i++) for (const chunk of this.push({ data: frames.data(i) })) into.push(chunk);
      return;
    }
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
      if (nullFinish < start) nullFinish = nextNullFinish(text, start) >>> 0;
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
