/**
 * Anthropic Messages request → canonical (OpenAI-shaped) ChatRequest.
 *
 * Fields with an OpenAI meaning are carried over as such. What only an
 * Anthropic upstream can use (`thinking`, `cache_control`, signed thinking
 * blocks, `is_error`, betas, and top-level fields this translation does not read,
 * such as `service_tier`, `context_management`, `mcp_servers` or `container`) rides
 * out of band (providers/anthropic/out-of-band.ts): the Anthropic adapter reads it,
 * other upstreams never see it.
 */
import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, TextPart, ToolCall, ToolChoice } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { asRecord } from "../../core/record.js";
import { BLOCK_ORDER, CACHE_PARTS, type BlockKind } from "../../providers/anthropic/messages.js";
import { ANTHROPIC_EXTRAS, markToolError, setOutOfBand } from "../../providers/anthropic/out-of-band.js";
import { THINKING_BLOCKS, type ThinkingBlock } from "../../providers/anthropic/thinking-blocks.js";
import {
  anthropicRequestSchema, isOpaqueBlock,
  type AnthropicContentBlock, type AnthropicDocumentParam, type AnthropicImageParam, type AnthropicMessageParam, type AnthropicRequest,
  type AnthropicToolParam, type AnthropicToolResultParam,
} from "./schema.js";
import { isCustomTool, markIfNative } from "./native-turn.js";
import type { ReplyOptions } from "./types.js";

/** Copies a block's prompt-caching breakpoint to what it became; true when there was one. */
function keepCacheControl(target: object | undefined, block: Record<string, unknown>): boolean {
  const cacheControl = asRecord(block.cache_control);
  if (!cacheControl || !target) return false;
  setOutOfBand(target, "cache_control", cacheControl);
  return true;
}

function unsupported(message: string, param: string): GatewayError {
  return new GatewayError("bad_request", message, { code: "unsupported_content", param });
}

function imagePart(block: AnthropicImageParam): ContentPart {
  const source = block.source;
  if (source.type === "base64") return { type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  if (source.type === "url") return { type: "image_url", image_url: { url: source.url } };
  // A Files API image makes a native turn (native-turn.ts): its canonical form (estimates, logs) only names it.
  return { type: "text", text: `[image: file ${source.file_id}]` };
}

function documentParts(block: AnthropicDocumentParam): ContentPart[] {
  const source = block.source;
  const title = block.title ? `${block.title}\n\n` : "";
  switch (source.type) {
    case "base64":
      // OpenAI's file part carries a PDF as a data URL.
      return [{ type: "file", file: { filename: block.title || "document.pdf", file_data: `data:${source.media_type};base64,${source.data}` } }];
    case "text":
      return [{ type: "text", text: title + source.data }];
    case "content":
      if (typeof source.content === "string") return [{ type: "text", text: title + source.content }];
      return source.content.map((inner) => (inner.type === "text" ? { type: "text", text: inner.text } : imagePart(inner)));
    default:
      // A PDF by URL or by Files API id makes a native turn (native-turn.ts): the canonical form only names it.
      return [{ type: "text", text: `${title}[document: ${source.type === "url" ? source.url : `file ${source.file_id}`}]` }];
  }
}

/** Images moved out of tool results into the user turn that follows, and those an Anthropic upstream still needs there. */
interface MovedParts { all: ContentPart[]; forAnthropic: ContentPart[] }

/**
 * OpenAI tool messages carry text only: text stays in place, images move to the user turn that follows.
 * An Anthropic upstream takes text and images inside the result, so it gets the result's parts as sent
 * (`cache_parts`); a PDF, which it cannot take there, moves for it too.
 */
function toolResultMessage(block: AnthropicToolResultParam, moved: MovedParts): ChatMessage {
  let content = "";
  let parts: ContentPart[] = [];
  if (typeof block.content === "string") content = block.content;
  else if (block.content) {
    const texts: string[] = [];
    const images: ContentPart[] = [];
    block.content.forEach((inner) => {
      // A native turn's block (a search result): the Anthropic upstream gets the client's own body.
      if (isOpaqueBlock(inner)) return;
      if (inner.type === "text") {
        texts.push(inner.text);
        parts.push({ type: "text", text: inner.text });
      } else {
        const converted = inner.type === "image" ? [imagePart(inner)] : documentParts(inner);
        images.push(...converted);
        parts.push(...converted);
      }
      keepCacheControl(parts.at(-1), inner);
    });
    content = texts.join("\n");
    moved.all.push(...images);
    if (!parts.every((part) => part.type === "text" || part.type === "image_url")) {
      moved.forAnthropic.push(...images);
      parts = [];
    }
  }
  if (block.is_error) content = markToolError(content);
  const message: ChatMessage = { role: "tool", tool_call_id: block.tool_use_id, content };
  // The text prefix tells other upstreams; an Anthropic upstream gets its own flag too.
  if (block.is_error) setOutOfBand(message, "is_error", true);
  if (parts.length > 0) setOutOfBand(message, CACHE_PARTS, parts);
  keepCacheControl(message, block);
  return message;
}

/** Text-only content becomes a plain string: every OpenAI-compatible host accepts that, not all accept part arrays. */
function userContent(parts: ContentPart[]): string | ContentPart[] {
  if (parts.every((part) => part.type === "text")) return parts.map((part) => (part as TextPart).text).join("\n");
  return parts;
}

/**
 * A message of several blocks keeps them apart for an Anthropic upstream
 * (`cache_parts`, read by providers/anthropic/messages.ts), while its `content`
 * stays what every other upstream got before. Always, not only while a block
 * carries a breakpoint: Anthropic's cache matches the prompt block by block, and
 * clients move their breakpoints to newer messages each turn.
 */
function withCacheParts(message: ChatMessage, parts: ContentPart[], cached: boolean): ChatMessage {
  if (cached || parts.length > 1) setOutOfBand(message, CACHE_PARTS, parts);
  return message;
}

function userMessages(blocks: AnthropicContentBlock[], param: string): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  const moved: MovedParts = { all: [], forAnthropic: [] };
  let cached = false;
  blocks.forEach((block, index) => {
    const blockParam = `${param}[${index}]`;
    // Other types make a native turn, whose Anthropic upstream gets the client's own body.
    if (isOpaqueBlock(block)) return;
    switch (block.type) {
      case "text":
        parts.push({ type: "text", text: block.text });
        cached = keepCacheControl(parts.at(-1), block) || cached;
        break;
      case "image":
        parts.push(imagePart(block));
        cached = keepCacheControl(parts.at(-1), block) || cached;
        break;
      case "document":
        parts.push(...documentParts(block));
        cached = keepCacheControl(parts.at(-1), block) || cached;
        break;
      case "tool_result":
        toolMessages.push(toolResultMessage(block, moved));
        break;
      case "thinking":
      case "redacted_thinking":
        break;
      default:
        throw unsupported(`A '${block.type}' block cannot appear in a user message`, `${blockParam}.type`);
    }
  });
  // OpenAI wants tool messages right after the assistant's tool calls, before any user text.
  const all = [...moved.all, ...parts];
  if (all.length === 0) return toolMessages;
  const user: ChatMessage = { role: "user", content: userContent(all) };
  // Images an Anthropic upstream got inside their tool results are not repeated in its user turn (possibly left empty).
  if (moved.forAnthropic.length < moved.all.length) setOutOfBand(user, CACHE_PARTS, [...moved.forAnthropic, ...parts]);
  else withCacheParts(user, all, cached);
  return [...toolMessages, user];
}

function assistantMessage(blocks: AnthropicContentBlock[], param: string): ChatMessage | undefined {
  const texts: TextPart[] = [];
  const toolCalls: ToolCall[] = [];
  const thinking: ThinkingBlock[] = [];
  const reasoning: string[] = [];
  const order: BlockKind[] = [];
  let cached = false;
  blocks.forEach((block, index) => {
    if (isOpaqueBlock(block)) return;
    if (block.type === "text") {
      texts.push({ type: "text", text: block.text });
      order.push("text");
      cached = keepCacheControl(texts.at(-1), block) || cached;
    } else if (block.type === "tool_use") {
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input) } });
      order.push("tool_use");
      keepCacheControl(toolCalls.at(-1), block);
    } else if (block.type === "thinking") {
      if (block.thinking) reasoning.push(block.thinking);
      // Unsigned reasoning (another model's, relayed by this front) cannot go back to Anthropic, which checks signatures.
      if (!block.signature) return;
      thinking.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
      order.push("thinking");
    } else if (block.type === "redacted_thinking") {
      thinking.push({ type: "redacted_thinking", data: block.data });
      order.push("thinking");
    } else {
      throw unsupported(`A '${block.type}' block cannot appear in an assistant message`, `${param}[${index}].type`);
    }
  });
  if (texts.length === 0 && toolCalls.length === 0) return undefined;
  const content = texts.length > 0 ? texts.map((part) => part.text).join("\n") : null;
  const message = withCacheParts({ role: "assistant", content }, texts, cached);
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // Anthropic requires them back, unchanged and where they were, when a tool-use loop continues with thinking on.
  if (thinking.length > 0) {
    setOutOfBand(message, THINKING_BLOCKS, thinking);
    setOutOfBand(message, BLOCK_ORDER, order);
  }
  // The reasoning's text, for upstreams that take it back as `reasoning_content` (DeepSeek's tool loops require it); others never see it.
  if (reasoning.length > 0) setOutOfBand(message, "reasoning_content", reasoning.join(""));
  return message;
}

function translateMessage(message: AnthropicMessageParam, index: number): ChatMessage[] {
  const param = `messages[${index}].content`;
  if (typeof message.content === "string") return [{ role: message.role, content: message.content }];
  if (message.role === "user") return userMessages(message.content, param);
  const assistant = assistantMessage(message.content, param);
  return assistant ? [assistant] : [];
}

function systemMessage(system: AnthropicRequest["system"]): ChatMessage | undefined {
  if (system === undefined) return undefined;
  const content = typeof system === "string" ? system : system.map((block) => block.text).join("\n");
  if (!content) return undefined;
  if (typeof system === "string" || !system.some((block) => block.cache_control !== undefined)) return { role: "system", content };
  const parts = system.map((block) => {
    const part: TextPart = { type: "text", text: block.text };
    keepCacheControl(part, block);
    return part;
  });
  return withCacheParts({ role: "system", content }, parts, true);
}

function functionTool(tool: AnthropicToolParam, index: number): FunctionTool {
  if (!tool.input_schema) throw new GatewayError("bad_request", `'tools[${index}].input_schema' is required`, { code: "invalid_request_body", param: `tools[${index}].input_schema` });
  const fn: FunctionTool["function"] = { name: tool.name, parameters: tool.input_schema };
  if (tool.description !== undefined) fn.description = tool.description;
  if (tool.strict !== undefined) fn.strict = tool.strict;
  const converted: FunctionTool = { type: "function", function: fn };
  keepCacheControl(converted, tool);
  return converted;
}

function toolChoice(choice: NonNullable<AnthropicRequest["tool_choice"]>): ToolChoice {
  switch (choice.type) {
    case "auto": return "auto";
    case "any": return "required";
    case "none": return "none";
    case "tool": return { type: "function", function: { name: choice.name } };
  }
}

/**
 * Translates a validated Anthropic request; throws a 400 GatewayError for
 * content with no canonical form. `betas` are the client's `anthropic-beta` names.
 */
export function toChatRequest(request: AnthropicRequest, betas: readonly string[] = []): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemMessage(request.system);
  if (system) messages.push(system);
  request.messages.forEach((message, index) => messages.push(...translateMessage(message, index)));

  const chat: ChatRequest = { model: request.model, messages, max_tokens: request.max_tokens };
  if (request.stream === true) {
    chat.stream = true;
    // The pipeline emits the final usage chunk only on request; message_delta needs it.
    chat.stream_options = { include_usage: true };
  }
  if (request.temperature !== undefined) chat.temperature = request.temperature;
  if (request.top_p !== undefined) chat.top_p = request.top_p;
  if (request.top_k !== undefined) chat.top_k = request.top_k;
  if (request.stop_sequences && request.stop_sequences.length > 0) chat.stop = request.stop_sequences;
  if (request.metadata?.user_id) chat.user = request.metadata.user_id;

  // Typed tools are for a native turn's Anthropic upstream alone (native-turn.ts).
  const functions = (request.tools ?? []).map((tool, index) => (isCustomTool(tool) ? functionTool(tool, index) : undefined)).filter((tool) => tool !== undefined);
  // OpenAI rejects tool_choice and parallel_tool_calls without tools; Anthropic does not.
  if (functions.length > 0) {
    chat.tools = functions;
    if (request.tool_choice) {
      chat.tool_choice = toolChoice(request.tool_choice);
      if ("disable_parallel_tool_use" in request.tool_choice && request.tool_choice.disable_parallel_tool_use === true) {
        chat.parallel_tool_calls = false;
      }
    }
  }

  if (request.models) chat.models = request.models;
  if (request.provider) chat.provider = request.provider;

  const format = request.output_config?.format ?? request.output_format;
  if (format) chat.response_format = { type: "json_schema", json_schema: { name: "response", schema: format.schema, strict: true } };
  if (request.thinking !== undefined) setOutOfBand(chat, "thinking", request.thinking);
  if (betas.length > 0) setOutOfBand(chat, "anthropic_beta", betas);
  const extras = untranslatedFields(request);
  if (extras) setOutOfBand(chat, ANTHROPIC_EXTRAS, extras);
  markIfNative(chat, request);
  return chat;
}

/** Top-level fields the schema knows, which the translation above reads; any other is Anthropic's alone. */
const TRANSLATED_FIELDS: ReadonlySet<string> = new Set(Object.keys(anthropicRequestSchema.shape));

/** The request's fields an Anthropic upstream gets as sent (newer API features a client may use). */
function untranslatedFields(request: AnthropicRequest): Record<string, unknown> | undefined {
  let extras: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(request)) {
    if (!TRANSLATED_FIELDS.has(key) && value !== undefined) (extras ??= {})[key] = value;
  }
  return extras;
}

/** What the reply translation needs from the request. */
export function replyOptionsFor(request: AnthropicRequest): ReplyOptions {
  return {
    requestedModel: request.model,
    thinking: request.thinking !== undefined && request.thinking.type !== "disabled",
    stopSequences: request.stop_sequences ?? [],
  };
}
