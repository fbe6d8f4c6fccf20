/**
 * An OpenAI conversation → Anthropic's `system` + alternating `messages`.
 *
 * - system/developer messages are hoisted to the top-level `system`, wherever they appear;
 * - `tool` messages become `tool_result` blocks of a user turn;
 * - consecutive same-role turns are merged (Anthropic requires alternation), and
 *   in a user turn the tool results come before any text, as Anthropic requires;
 * - tool-call ids minted by other providers are made ones Anthropic accepts (tool-id.ts);
 * - the conversation starts with a user turn.
 */
import type { ChatMessage, ContentPart } from "../../core/chat.js";
import { asRecord } from "../../core/record.js";
import { PLACEHOLDER_USER_TURN } from "../placeholder-turn.js";
import { badRequest, textOnlyBlocks, toolResultContent, userBlocks } from "./content.js";
import { thinkingBlocksOf } from "./thinking-blocks.js";
import { anthropicToolId } from "./tool-id.js";
import { unmarkToolError } from "./out-of-band.js";
import type { ContentBlockParam, MessageParam, TextBlockParam, ToolResultBlockParam, ToolUseBlockParam } from "./wire-types.js";

/**
 * A message's content as Anthropic should get it, when its plain `content` was
 * flattened for other upstreams: parts that carry `cache_control`, a tool result's
 * text and images, a user turn without the images those results keep (the
 * Anthropic front sets it out of band).
 */
export const CACHE_PARTS = "cache_parts";

function contentOf(message: ChatMessage): ChatMessage["content"] {
  const parts = message[CACHE_PARTS];
  return Array.isArray(parts) ? (parts as ContentPart[]) : message.content;
}

/**
 * An assistant turn's block kinds in the order the client sent them, set out of
 * band by the Anthropic front: Anthropic wants a turn with thinking echoed as it
 * wrote it, which may interleave thinking with text (`thinking`, `text`,
 * `thinking`, `tool_use`). Without it (OpenAI-shaped history keeps no order),
 * the signed blocks come first, then text, then tool calls.
 */
export const BLOCK_ORDER = "block_order";

export type BlockKind = "thinking" | "text" | "tool_use";

export interface Conversation {
  system: string | TextBlockParam[] | undefined;
  messages: MessageParam[];
}

interface Turn {
  role: "user" | "assistant";
  blocks: ContentBlockParam[];
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  // Some clients send "" for tools without parameters.
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("Tool call arguments are not valid JSON", param);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("Tool call arguments must be a JSON object", param);
  }
  return value as Record<string, unknown>;
}

function assistantBlocks(message: ChatMessage, param: string): ContentBlockParam[] {
  if (message.function_call !== undefined) {
    throw badRequest("'function_call' is not supported by Anthropic; use 'tool_calls'", `${param}.function_call`);
  }
  // reasoning_content alone is not sent back: Anthropic checks the signature that only `thinking_blocks` keeps.
  const thinking = message.thinking_blocks === undefined ? [] : thinkingBlocksOf(message.thinking_blocks);
  const text = textOnlyBlocks(contentOf(message), `${param}.content`);
  const tools: ToolUseBlockParam[] = [];
  (message.tool_calls ?? []).forEach((call, j) => {
    const tool: ToolUseBlockParam = {
      type: "tool_use",
      id: anthropicToolId(call.id),
      name: call.function.name,
      input: parseArguments(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`),
    };
    const cacheControl = asRecord((call as typeof call & { cache_control?: unknown }).cache_control);
    if (cacheControl) tool.cache_control = cacheControl;
    tools.push(tool);
  });
  return inBlockOrder({ thinking, text, tool_use: tools }, message[BLOCK_ORDER]);
}

/** The blocks in `order` (BLOCK_ORDER), then any it does not place (all, without one) by kind. */
function inBlockOrder(byKind: Record<BlockKind, ContentBlockParam[]>, order: unknown): ContentBlockParam[] {
  const rest = { thinking: [...byKind.thinking], text: [...byKind.text], tool_use: [...byKind.tool_use] };
  const blocks: ContentBlockParam[] = [];
  for (const kind of Array.isArray(order) ? order : []) {
    const block = typeof kind === "string" && Object.hasOwn(rest, kind) ? rest[kind as BlockKind].shift() : undefined;
    if (block) blocks.push(block);
  }
  return [...blocks, ...rest.thinking, ...rest.text, ...rest.tool_use];
}

function toolResult(message: ChatMessage, param: string): ContentBlockParam {
  if (typeof message.tool_call_id !== "string" || message.tool_call_id === "") {
    throw badRequest("A tool message needs the 'tool_call_id' it answers", `${param}.tool_call_id`);
  }
  const result: ToolResultBlockParam = { type: "tool_result", tool_use_id: anthropicToolId(message.tool_call_id) };
  // Anthropic's own fields, when the client sent them in Anthropic's format (other adapters never read them):
  // with the flag, the text goes back as the client wrote it, without the prefix other upstreams read.
  const failed = message.is_error === true;
  const parts = contentOf(message);
  const text = failed && typeof parts === "string" ? unmarkToolError(parts) : parts;
  const content = toolResultContent(text, `${param}.content`);
  if (content !== undefined) result.content = content;
  if (failed) result.is_error = true;
  const cacheControl = asRecord(message.cache_control);
  if (cacheControl) result.cache_control = cacheControl;
  return result;
}

function append(turns: Turn[], role: Turn["role"], blocks: ContentBlockParam[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.blocks.push(...blocks);
  else turns.push({ role, blocks: [...blocks] });
}

/** Anthropic rejects a final (prefill) assistant turn that ends in whitespace. */
function trimFinalAssistant(turns: Turn[]): void {
  const last = turns.at(-1);
  if (last?.role !== "assistant") return;
  const block = last.blocks.at(-1);
  if (block?.type !== "text") return;
  block.text = block.text.trimEnd();
  if (block.text === "") last.blocks.pop();
  if (last.blocks.length === 0) turns.pop();
}

function toMessageParam(turn: Turn): MessageParam {
  let blocks = turn.blocks;
  if (turn.role === "user") {
    // Stable partition: results first, in their original order.
    blocks = [...blocks.filter((b) => b.type === "tool_result"), ...blocks.filter((b) => b.type !== "tool_result")];
  }
  const only = blocks[0];
  // A lone plain text block is sent as a string: same meaning, smaller body.
  if (blocks.length === 1 && only?.type === "text" && only.cache_control === undefined) return { role: turn.role, content: only.text };
  return { role: turn.role, content: blocks };
}

function systemOf(parts: TextBlockParam[], structured: boolean): Conversation["system"] {
  if (parts.length === 0) return undefined;
  return structured ? parts : parts.map((part) => part.text).join("\n\n");
}

export function toAnthropicConversation(messages: ChatMessage[]): Conversation {
  const systemParts: TextBlockParam[] = [];
  let structuredSystem = false;
  const turns: Turn[] = [];
  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case "system":
      case "developer": {
        const content = contentOf(message);
        if (Array.isArray(content)) structuredSystem = true;
        systemParts.push(...textOnlyBlocks(content, `${param}.content`));
        break;
      }
      case "user":
        append(turns, "user", userBlocks(contentOf(message), `${param}.content`));
        break;
      case "assistant":
        append(turns, "assistant", assistantBlocks(message, param));
        break;
      case "tool":
        append(turns, "user", [toolResult(message, param)]);
        break;
      default:
        throw badRequest(`Role '${String(message.role)}' is not supported by Anthropic; use 'tool' messages`, `${param}.role`);
    }
  });
  trimFinalAssistant(turns);
  if (turns[0]?.role !== "user") turns.unshift({ role: "user", blocks: [{ type: "text", text: PLACEHOLDER_USER_TURN }] });
  return { system: systemOf(systemParts, structuredSystem), messages: turns.map(toMessageParam) };
}
