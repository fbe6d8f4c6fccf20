/**
 * Signed reasoning on canonical messages. Anthropic needs the thinking blocks
 * of an assistant turn echoed back unchanged (signature included) when it
 * continues a tool-use loop with thinking on, so they travel beside
 * `reasoning_content` (which holds the text only) as `thinking_blocks`, the
 * name LiteLLM gives the same field. Answers carry them in the shape requests
 * take them back (on the message, or on the stream delta where a block ends):
 * a client that appends the assistant message it got to its history returns them.
 */
import { isRecord } from "../../core/record.js";
import type { RedactedThinkingBlockParam, ThinkingBlockParam } from "./wire-types.js";

export type ThinkingBlock = ThinkingBlockParam | RedactedThinkingBlockParam;

/** The canonical message field that carries them. */
export const THINKING_BLOCKS = "thinking_blocks";

/** The well-formed blocks of a `thinking_blocks` value; anything else in it is skipped. */
export function thinkingBlocksOf(value: unknown): ThinkingBlock[] {
  if (!Array.isArray(value)) return [];
  const blocks: ThinkingBlock[] = [];
  for (const block of value) {
    if (!isRecord(block)) continue;
    if (block.type === "thinking" && typeof block.thinking === "string" && typeof block.signature === "string") {
      blocks.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
    } else if (block.type === "redacted_thinking" && typeof block.data === "string") {
      blocks.push({ type: "redacted_thinking", data: block.data });
    }
  }
  return blocks;
}
