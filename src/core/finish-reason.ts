import type { FinishReason } from "./chat.js";

/** A finish reason in the unified vocabulary, with the provider's own value kept for the ledger. */
export interface MappedFinishReason {
  unified: FinishReason;
  raw: string;
}

const OPENAI_LIKE: Record<string, FinishReason> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  content_filter: "content_filter",
  function_call: "function_call",
  eos: "stop", // Together
  model_length: "length", // Mistral
};

/**
 * Maps an OpenAI-like provider's finish reason. Unknown values become "stop"
 * (the response did end) while the raw value is preserved.
 */
export function mapOpenAILikeFinishReason(raw: string): MappedFinishReason {
  return { unified: OPENAI_LIKE[raw] ?? "stop", raw };
}
