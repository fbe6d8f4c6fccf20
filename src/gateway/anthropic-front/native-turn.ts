/**
 * Which Messages requests are native turns (providers/anthropic/native.ts):
 * typed tools (server tools, Anthropic-defined tools), the MCP connector, a
 * content block the translation does not read, or an image or document it can
 * only name (by Files API id, a PDF by URL). Such a request keeps its
 * canonical form for estimates and logs, and carries the client's body for the
 * Anthropic deployment that serves it.
 */
import type { ChatRequest } from "../../core/chat.js";
import { markNative, type NativeCause } from "../../providers/anthropic/native.js";
import {
  isOpaqueBlock,
  type AnthropicContentBlock, type AnthropicMessageParam, type AnthropicRequest, type AnthropicToolParam, type AnthropicToolResultParam,
} from "./schema.js";

type AnthropicToolResultContent = Exclude<AnthropicToolResultParam["content"], string | undefined>[number];

/** A tool the client declares with its own schema; Anthropic's typed tools (server tools, `bash_…`, …) make a native turn. */
export function isCustomTool(tool: AnthropicToolParam): boolean {
  return !tool.type || tool.type === "custom";
}

/**
 * What makes the request need Anthropic's own format end to end (providers/anthropic/native.ts):
 * a typed tool, the MCP connector, or a block the translation does not read; undefined when nothing does.
 */
function nativeTurnCause(request: AnthropicRequest): NativeCause | undefined {
  const index = request.tools?.findIndex((tool) => !isCustomTool(tool)) ?? -1;
  if (index >= 0) return { what: `Tool type '${request.tools![index]!.type}'`, param: `tools[${index}].type` };
  if ((request as Record<string, unknown>).mcp_servers !== undefined) return { what: "'mcp_servers'", param: "mcp_servers" };
  for (const [position, message] of request.messages.entries()) {
    if (typeof message.content === "string") continue;
    for (const [blockIndex, block] of message.content.entries()) {
      const param = `messages[${position}].content[${blockIndex}]`;
      const cause = blockCause(block, param);
      if (cause) return cause;
      if (block.type !== "tool_result" || !Array.isArray(block.content)) continue;
      for (const [innerIndex, inner] of block.content.entries()) {
        const innerCause = blockCause(inner, `${param}.content[${innerIndex}]`);
        if (innerCause) return innerCause;
      }
    }
  }
  return undefined;
}

/** A block only Anthropic reads: another type, or an image or document by Files API id or (a PDF) by URL. */
function blockCause(block: AnthropicContentBlock | AnthropicToolResultContent, param: string): NativeCause | undefined {
  if (isOpaqueBlock(block)) return { what: `A '${block.type}' block`, param: `${param}.type` };
  if (block.type === "image" && block.source.type === "file") return { what: "An image from the Files API", param: `${param}.source` };
  if (block.type !== "document") return undefined;
  const source = block.source;
  if (source.type === "file" || source.type === "url") return { what: `A document with a '${source.type}' source`, param: `${param}.source` };
  if (source.type !== "content" || typeof source.content === "string") return undefined;
  const image = source.content.findIndex((inner) => inner.type === "image" && inner.source.type === "file");
  return image < 0 ? undefined : { what: "An image from the Files API", param: `${param}.source.content[${image}].source` };
}

const isUnsignedThinking = (block: AnthropicContentBlock) => block.type === "thinking" && !block.signature;

/**
 * The request without thinking blocks that carry no signature (another model's reasoning,
 * relayed by this front): Anthropic refuses them, and the translation drops them too.
 * The request itself when it has none.
 */
function withoutUnsignedThinking(request: AnthropicRequest): AnthropicRequest {
  const unsigned = (message: AnthropicMessageParam) => message.role === "assistant" && typeof message.content !== "string" && message.content.some(isUnsignedThinking);
  if (!request.messages.some(unsigned)) return request;
  const messages = request.messages.map((message) =>
    unsigned(message) ? { ...message, content: (message.content as AnthropicContentBlock[]).filter((block) => !isUnsignedThinking(block)) } : message,
  );
  return { ...request, messages };
}

/** Marks `chat` (translated from `request`) as a native turn when the request is one. */
export function markIfNative(chat: ChatRequest, request: AnthropicRequest): void {
  const cause = nativeTurnCause(request);
  if (cause) markNative(chat, withoutUnsignedThinking(request) as Record<string, unknown>, cause);
}
