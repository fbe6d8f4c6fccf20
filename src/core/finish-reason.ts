import type { FinishReason } from "./chat.js";
import { GatewayError } from "./errors.js";

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

/**
 * Reads one OpenAI-format choice's finish reason, whole answer or stream event:
 * a retryable one (a host's overload signal, `retryable`) throws so the router
 * tries again, and a non-standard one is rewritten in place to OpenAI's word
 * (`mapped.unified !== mapped.raw` tells that it was). Undefined while the choice is unfinished.
 */
export function settleChoiceFinish(choice: { finish_reason?: unknown }, retryable: ReadonlySet<string>, provider: string, what: string): MappedFinishReason | undefined {
  const raw = choice.finish_reason as string | null | undefined;
  if (raw === null || raw === undefined) return undefined;
  if (retryable.has(raw)) throw new GatewayError("upstream_unavailable", `Provider '${provider}' ended the ${what} with '${raw}'`, { provider });
  const mapped = mapOpenAILikeFinishReason(raw);
  if (mapped.unified !== raw) choice.finish_reason = mapped.unified;
  return mapped;
}
