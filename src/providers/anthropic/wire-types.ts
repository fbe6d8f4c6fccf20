/**
 * The slice of Anthropic's Messages API wire format Switchyard speaks. Request
 * shapes are plain types (the gateway builds them); upstream answers are
 * untrusted, so they are parsed with schemas that ignore unknown fields.
 * Field names follow `anthropic-sdk-typescript` `resources/messages/messages.ts`.
 */
import { z } from "zod";
import type { WebSearchToolParam } from "./web-search.js";

// ---- Request side (built by request.ts) ----

/** Prompt-caching marker, passed through from the client's content parts untouched. */
export type CacheControl = Record<string, unknown>;

export interface TextBlockParam {
  type: "text";
  text: string;
  cache_control?: CacheControl;
}

export type ImageMediaType = "image/jpeg" | "image/png" | "image/gif" | "image/webp";

export interface ImageBlockParam {
  type: "image";
  source: { type: "base64"; media_type: ImageMediaType; data: string } | { type: "url"; url: string };
  cache_control?: CacheControl;
}

export interface DocumentBlockParam {
  type: "document";
  source: { type: "base64"; media_type: "application/pdf"; data: string };
  title?: string;
  cache_control?: CacheControl;
}

export interface ToolUseBlockParam {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: CacheControl;
}

export interface ToolResultBlockParam {
  type: "tool_result";
  tool_use_id: string;
  content?: string | Array<TextBlockParam | ImageBlockParam>;
  is_error?: boolean;
  cache_control?: CacheControl;
}

/** Earlier reasoning echoed back unchanged: Anthropic checks the signature. */
export interface ThinkingBlockParam {
  type: "thinking";
  thinking: string;
  signature: string;
}

export interface RedactedThinkingBlockParam {
  type: "redacted_thinking";
  data: string;
}

export type ContentBlockParam =
  | TextBlockParam | ImageBlockParam | DocumentBlockParam | ToolUseBlockParam | ToolResultBlockParam
  | ThinkingBlockParam | RedactedThinkingBlockParam;

export interface MessageParam {
  role: "user" | "assistant";
  content: string | ContentBlockParam[];
}

export interface ToolParam {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
  cache_control?: CacheControl;
}

export type ToolChoiceParam =
  | { type: "auto"; disable_parallel_tool_use?: boolean }
  | { type: "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

export interface OutputConfig {
  format?: { type: "json_schema"; schema: Record<string, unknown> };
  [key: string]: unknown;
}

/** `POST /v1/messages` body. */
export interface MessagesRequestBody {
  model: string;
  /** Required by Anthropic, unlike OpenAI. */
  max_tokens: number;
  messages: MessageParam[];
  system?: string | TextBlockParam[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  metadata?: { user_id: string };
  tools?: Array<ToolParam | WebSearchToolParam>;
  tool_choice?: ToolChoiceParam;
  output_config?: OutputConfig;
  thinking?: Record<string, unknown>;
  stream?: boolean;
}

// ---- Response side (parsed by response.ts and stream.ts) ----

const count = z.number().nullish();

/** `usage` of a message, and the cumulative `usage` of `message_delta`. */
export const usageSchema = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
  /** Of `cache_creation_input_tokens`, by cache lifetime. */
  cache_creation: z.object({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count }).nullish(),
  output_tokens_details: z.object({ thinking_tokens: count }).nullish(),
  /** Server tool calls billed apart from tokens (web search: per search; web fetch: nothing extra). */
  server_tool_use: z.object({ web_search_requests: count, web_fetch_requests: count }).nullish(),
});
export type AnthropicUsage = z.infer<typeof usageSchema>;

/** Any content block; the known kinds are checked by the schemas below, unknown kinds are skipped. */
export const anyBlockSchema = z.looseObject({ type: z.string() });

export const textBlockSchema = z.object({ type: z.literal("text"), text: z.string() });
export const thinkingBlockSchema = z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string().optional() });
export const redactedThinkingBlockSchema = z.object({ type: z.literal("redacted_thinking"), data: z.string() });
export const toolUseBlockSchema = z.object({
  type: z.literal("tool_use"),
  id: z.string(),
  name: z.string(),
  input: z.record(z.string(), z.unknown()).optional(),
});

export const messageSchema = z.object({
  id: z.string(),
  type: z.literal("message"),
  model: z.string().optional(),
  content: z.array(anyBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: usageSchema.nullish(),
});
export type AnthropicMessage = z.infer<typeof messageSchema>;

export const errorBodySchema = z.object({
  type: z.string().optional(),
  message: z.string().optional(),
});

// Stream events: `data.type` names the event.

export const messageStartSchema = z.object({
  message: z.object({ id: z.string(), model: z.string().optional(), usage: usageSchema.nullish() }),
});

export const blockStartSchema = z.object({ index: z.number(), content_block: anyBlockSchema });

export const blockDeltaSchema = z.object({
  index: z.number(),
  delta: z.object({
    type: z.string(),
    text: z.string().optional(),
    partial_json: z.string().optional(),
    thinking: z.string().optional(),
    signature: z.string().optional(),
  }),
});

export const blockStopSchema = z.object({ index: z.number() });

export const messageDeltaSchema = z.object({
  delta: z.object({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }).optional(),
  usage: usageSchema.nullish(),
});

export const errorEventSchema = z.object({ error: errorBodySchema.optional() });
