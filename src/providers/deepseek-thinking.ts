/**
 * DeepSeek's thinking, for requests translated from Anthropic's Messages format
 * (`/v1/messages`), which carry it out of band (see anthropic/out-of-band.ts):
 * - `thinking` turns DeepSeek's thinking mode on or off; DeepSeek takes
 *   Anthropic's `{ type }` under the same name (it thinks when not told).
 * - an assistant turn that called tools must carry its `reasoning_content` in
 *   every later request while thinking is on, or DeepSeek answers 400
 *   ("Missing `reasoning_content` field"). The Anthropic front keeps the text
 *   of a turn's thinking blocks, signed or not, for exactly this.
 * A request from `/v1/chat/completions` has these as ordinary fields, sent as written.
 */
import type { ChatMessage, ChatRequest } from "../core/chat.js";
import { isOutOfBand } from "./anthropic/out-of-band.js";

/** Copies the out-of-band thinking toggle and tool turns' reasoning into the body DeepSeek is sent. */
export function deepseekThinking(body: ChatRequest, request: ChatRequest): void {
  const thinking = (request as { thinking?: { type?: unknown } }).thinking;
  if (isOutOfBand(request, "thinking") && thinking !== null && typeof thinking === "object") {
    (body as Record<string, unknown>).thinking = { type: thinking.type === "disabled" ? "disabled" : "enabled" };
  }
  if (!body.messages.some(needsReasoning)) return;
  // The body is a fresh copy, but its messages are the client's: replaced, not edited.
  body.messages = body.messages.map((message) => (needsReasoning(message) ? { ...message, reasoning_content: message.reasoning_content } : message));
}

function needsReasoning(message: ChatMessage): boolean {
  return message.role === "assistant" && (message.tool_calls?.length ?? 0) > 0 && typeof message.reasoning_content === "string" && isOutOfBand(message, "reasoning_content");
}
