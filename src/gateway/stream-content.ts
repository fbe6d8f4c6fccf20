/**
 * Whether a stream has produced anything yet. Streams open with chunks that say
 * nothing (OpenAI's `{role: "assistant", content: ""}`, the role chunk made of
 * Anthropic's `message_start`); the pipeline holds those until the first
 * content, so an upstream that fails right after them (Anthropic's overloaded
 * error after `message_start` is a common one) still fails over, and the
 * first-token timeout waits for a token.
 */
import { ChunkText, OPAQUE_CONTENT, SseChunks, type StreamItem } from "../core/chunk-text.js";
import type { ChatChunk } from "../core/chat.js";

/**
 * A key of produced text with a non-empty string value, a tool call, or a finish reason, as
 * compact JSON writes them. Quotes inside string values are escaped, so a match is the key
 * itself; JSON laid out otherwise misses and is parsed instead.
 */
const CONTENT_TEXT = /"(?:content|reasoning_content|refusal)":"[^"]|"tool_calls":\[\{|"finish_reason":"/;

function chunkHasContent(chunk: ChatChunk): boolean {
  if (chunk.usage || chunk[OPAQUE_CONTENT] === true) return true;
  for (const choice of chunk.choices ?? []) {
    if (choice.finish_reason) return true;
    const delta = choice.delta;
    if (!delta) continue;
    if (delta.content || delta.reasoning_content || delta.refusal) return true;
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) return true;
  }
  return false;
}

export function hasContent(item: StreamItem): boolean {
  if (item instanceof SseChunks) return CONTENT_TEXT.test(item.sse) || item.chunks.some(chunkHasContent);
  if (item instanceof ChunkText) return CONTENT_TEXT.test(item.json) || chunkHasContent(item.chunk);
  return chunkHasContent(item);
}

/** The stream's opening batches up to and including the first with content; all of them if it ends first (undefined if it had none). */
export async function untilContent(next: () => StreamItem[] | undefined | Promise<StreamItem[] | undefined>): Promise<StreamItem[] | undefined> {
  let held: StreamItem[] | undefined;
  for (;;) {
    const batch = await next();
    if (batch === undefined) return held;
    held = held === undefined ? batch : held.concat(batch);
    if (batch.some(hasContent)) return held;
  }
}
