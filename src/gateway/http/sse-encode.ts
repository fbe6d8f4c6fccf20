import { sseText, type StreamItem } from "../../core/chunk-text.js";
import { asGatewayError } from "../../core/errors.js";
import type { Redactor } from "../../core/redact.js";

/**
 * Chunk batches as OpenAI-style server-sent events (one string per batch, so one
 * write), ending with `[DONE]`. A failure after the first byte ends the stream
 * with an error event, then `[DONE]`, so clients never hang and never see
 * duplicated content.
 */
export async function* encodeChatSse(batches: AsyncIterable<StreamItem[]>, redactor: Redactor): AsyncGenerator<string> {
  try {
    for await (const batch of batches) {
      let text = "";
      for (const item of batch) text += sseText(item);
      yield text;
    }
  } catch (error) {
    const failure = asGatewayError(error);
    if (failure.kind === "client_closed") return;
    const body = failure.toJSON();
    body.error.message = redactor.redact(body.error.message);
    yield `data: ${JSON.stringify(body)}\n\n`;
  }
  yield "data: [DONE]\n\n";
}
