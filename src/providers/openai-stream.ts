import { ChunkText, type StreamItem } from "../core/chunk-text.js";
import type { ChatChunk } from "../core/chat.js";
import { GatewayError, invalidResponse } from "../core/errors.js";
import { mapOpenAILikeFinishReason, type MappedFinishReason } from "../core/finish-reason.js";
import type { Usage } from "../core/usage.js";
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

  end(): StreamItem[] {
    if (!this.done && this.finishReason === undefined) {
      throw invalidResponse(this.provider, "a stream that ended before it finished");
    }
    return [];
  }
}
