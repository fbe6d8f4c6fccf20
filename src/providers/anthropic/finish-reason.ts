import type { FinishReason } from "../../core/chat.js";
import type { MappedFinishReason } from "../../core/finish-reason.js";

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  // A server-tool loop paused; the answer so far is complete as far as the client can tell.
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/** Maps Anthropic's `stop_reason`; unknown or missing values become "stop" with the raw value kept. */
export function mapAnthropicStopReason(raw: string | null | undefined): MappedFinishReason {
  if (raw === null || raw === undefined) return { unified: "stop", raw: "unknown" };
  return { unified: STOP_REASONS[raw] ?? "stop", raw };
}
