import type { FinishReason } from "../../core/chat.js";
import type { AnthropicStopReason } from "./types.js";

/**
 * A unified finish reason as Anthropic's stop reason. Some hosts end a turn
 * that called tools with "stop", so tool use in the reply wins over "stop":
 * clients decide whether to run tools from `stop_reason`.
 */
export function toStopReason(finish: FinishReason | null | undefined, usedTools: boolean, stopSequence: string | null): AnthropicStopReason {
  switch (finish) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      if (usedTools) return "tool_use";
      return stopSequence === null ? "end_turn" : "stop_sequence";
  }
}

/**
 * OpenAI does not say which stop sequence ended the text, but vLLM and SGLang
 * put it in the choice's `stop_reason`; use it when it is one the client sent.
 */
export function matchedStopSequence(choice: Record<string, unknown> | undefined, stopSequences: readonly string[]): string | null {
  const reported = choice?.stop_reason;
  return typeof reported === "string" && stopSequences.includes(reported) ? reported : null;
}
