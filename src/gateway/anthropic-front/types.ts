/**
 * What the Anthropic-compatible front sends back: the public Messages API
 * response, stream event and error shapes (reference/providers.md §2). The
 * request side is inferred from its zod schema in `schema.ts`.
 */

export type AnthropicStopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal"
  | "model_context_window_exceeded";

export interface AnthropicTextBlock { type: "text"; text: string }
export interface AnthropicToolUseBlock { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
/** Reasoning text from the upstream; `signature` is empty unless an Anthropic model signed it. */
export interface AnthropicThinkingBlock { type: "thinking"; thinking: string; signature: string }
export interface AnthropicRedactedThinkingBlock { type: "redacted_thinking"; data: string }
export type AnthropicResponseBlock = AnthropicTextBlock | AnthropicToolUseBlock | AnthropicThinkingBlock | AnthropicRedactedThinkingBlock;

/** Cache writes by how long they stay cached (they bill at different rates). */
export interface AnthropicCacheCreation {
  ephemeral_5m_input_tokens: number;
  ephemeral_1h_input_tokens: number;
}

/** `input_tokens` excludes cache reads and writes, unlike OpenAI's `prompt_tokens`. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** Only when the upstream said it (Anthropic's own API): other providers' writes have no lifetime to report. */
  cache_creation?: AnthropicCacheCreation;
  /** Switchyard's extension: the request's cost in USD, when priced. */
  cost?: number;
}

export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

export type AnthropicBlockDelta =
  | { type: "text_delta"; text: string }
  | { type: "input_json_delta"; partial_json: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "signature_delta"; signature: string };

export type AnthropicStreamEvent =
  | { type: "message_start"; message: AnthropicMessage }
  | { type: "content_block_start"; index: number; content_block: AnthropicResponseBlock }
  | { type: "content_block_delta"; index: number; delta: AnthropicBlockDelta }
  | { type: "content_block_stop"; index: number }
  | {
      type: "message_delta";
      delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null };
      /** Cumulative totals; input counts are repeated here because OpenAI-shaped streams only report them at the end. */
      usage: AnthropicUsage;
    }
  | { type: "message_stop" };

export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "billing_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "timeout_error"
  | "overloaded_error";

export interface AnthropicErrorBody {
  type: "error";
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}

/** What the reply translation needs to know about the request it answers. */
export interface ReplyOptions {
  /** The model the client asked for (alias or `provider/model`); used when the upstream names none. */
  requestedModel: string;
  /** Whether the client enabled extended thinking: only then is reasoning text returned as thinking blocks. */
  thinking: boolean;
  /** The request's stop sequences, to recognise a host that reports which one matched. */
  stopSequences: readonly string[];
}
