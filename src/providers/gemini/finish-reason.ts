import type { FinishReason } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import type { MappedFinishReason } from "../../core/finish-reason.js";

/** Gemini finish reasons that mean a filter stopped the output (providers.md §12.1). */
const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE"]);

/** The model tried a tool call and failed at it (providers.md §12.1). */
const TOOL_CALL_FAILURES = new Set(["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS"]);

/**
 * Maps a Gemini `finishReason`. A function call ends with STOP, so whether any
 * call was produced decides `tool_calls`. Tool-call failures after some text,
 * OTHER and unknown values become `stop`; the raw value stays for the ledger.
 */
export function mapGeminiFinishReason(raw: string | undefined, hasToolCalls: boolean): MappedFinishReason {
  const value = raw ?? "FINISH_REASON_UNSPECIFIED";
  let unified: FinishReason = "stop";
  if (value === "STOP") unified = hasToolCalls ? "tool_calls" : "stop";
  else if (value === "MAX_TOKENS") unified = "length";
  else if (FILTERED.has(value) || value.startsWith("IMAGE_")) unified = "content_filter";
  return { unified, raw: value };
}

/**
 * A candidate that ended on a failed tool call with nothing to show (no text, no call) is a
 * failed attempt, not an empty answer: it is retried, then failed over, since another try
 * usually yields a valid call. (An empty `stop` left the client with nothing and no reason.)
 */
export function refuseEmptyToolFailure(raw: string | undefined, produced: boolean, provider: string): void {
  if (produced || raw === undefined || !TOOL_CALL_FAILURES.has(raw)) return;
  throw new GatewayError("upstream_error", `Provider '${provider}' ended the answer with ${raw}: the model produced no valid tool call`, {
    provider,
    code: "tool_call_failed",
  });
}

/** A prompt rejected before generation (`promptFeedback.blockReason`, no candidates). */
export function blockedPromptFinishReason(blockReason: string): MappedFinishReason {
  return { unified: "content_filter", raw: `PROMPT_BLOCKED:${blockReason}` };
}
