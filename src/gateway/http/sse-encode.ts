import type { ChatChunk } from "../../core/chat.js";
import { asGatewayError } from "../../core/errors.js";
import type { Redactor } from "../../core/redact.js";

/**
 * Chunks as OpenAI-style server-sent events, ending with `[DONE]`. A failure
 * after the first byte ends the stream with an error event, then `[DONE]`,
 * so clients never hang and never see duplicated content.
 */
export async function* encodeChatSse(chunks: AsyncIterable<ChatChunk>, redactor: Redactor): AsyncGenerator<string> {
  try {
    for await (const chunk of chunks) yield `data: ${JSON.stringify(chunk)}\n\n`;
  } catch (error) {
    const failure = asGatewayError(error);
    if (failure.kind === "client_closed") return;
    const body = failure.toJSON();
    body.error.message = redactor.redact(body.error.message);
    yield `data: ${JSON.stringify(body)}\n\n`;
  }
  yield "data: [DONE]\n\n";
}
