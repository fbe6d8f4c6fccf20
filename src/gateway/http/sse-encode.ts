import { sseText, type StreamItem } from "../../core/chunk-text.js";
import { asGatewayError } from "../../core/errors.js";
import type { Redactor } from "../../core/redact.js";
import type { StreamEncoder } from "../stream-encoder.js";

/**
 * Chunk batches as OpenAI-style server-sent events (one string per batch, so one
 * write), ending with `[DONE]`. A failure after the first byte ends the stream
 * with an error event, then `[DONE]`, so clients never hang and never see
 * duplicated content.
 */
export function chatSseEncoder(redactor: Redactor): StreamEncoder<string> {
  return {
    batch(items: StreamItem[]): string {
      if (items.length === 1) return sseText(items[0]!);
      let text = "";
      for (const item of items) text += sseText(item);
      return text;
    },
    failure(error: unknown): string | undefined {
      const failure = asGatewayError(error);
      if (failure.kind === "client_closed") return undefined;
      const body = failure.toJSON();
      body.error.message = redactor.redact(body.error.message);
      return `data: ${JSON.stringify(body)}\n\ndata: [DONE]\n\n`;
    },
    end: () => "data: [DONE]\n\n",
  };
}
