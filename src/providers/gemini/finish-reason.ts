import type { FinishReason } from "../../core/chat.js";
import type { MappedFinishReason } from "../../core/finish-reason.js";

/** Gemini finish reasons that mean a filter stopped the output (providers.md §12.1). */
const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE"]);

/**
 * Maps a Gemini `finishReason`. A function call ends with STOP, so whether any
 * call was produced decides `tool_calls`. Tool-call failures (MALFORMED_FUNCTION_CALL,
 * UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS), OTHER and unknown values become
 * `stop`; the raw value stays for the ledger.
 */
export function mapGeminiFinishReason(raw: string | undefined, hasToolCalls: boolean): MappedFinishReason {
  const value = raw ?? "FINISH_REASON_UNSPECIFIED";
  let unified: FinishReason = "stop";
  if (value === "STOP") unified = hasToolCalls ? "tool_calls" : "stop";
  else if (value === "MAX_TOKENS") unified = "length";
  else if (FILTERED.has(value) || value.startsWith("IMAGE_")) unified = "content_filter";
  return { unified, raw: value };
}

/** A prompt rejected before generation (`promptFeedback.blockReason`, no candidates). */
export function blockedPromptFinishReason(blockReason: string): MappedFinishReason {
  return { unified: "content_filter", raw: `PROMPT_BLOCKED:${blockReason}` };
}
