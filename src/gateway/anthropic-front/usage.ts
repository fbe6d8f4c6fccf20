import { reportedTokens, type OpenAIUsage } from "../../core/usage.js";
import type { AnthropicUsage } from "./types.js";

/** A count, or 0 for anything that is not one. */
function count(value: unknown): number {
  return Math.max(0, reportedTokens(value));
}

/**
 * OpenAI usage in Anthropic's terms: OpenAI's `prompt_tokens` includes cached
 * (and cache-written) tokens, Anthropic's `input_tokens` excludes both.
 */
export function toAnthropicUsage(usage: OpenAIUsage | null | undefined): AnthropicUsage {
  const cacheRead = count(usage?.prompt_tokens_details?.cached_tokens);
  const cacheWrite = count(usage?.prompt_tokens_details?.cache_write_tokens);
  const out: AnthropicUsage = {
    input_tokens: Math.max(0, count(usage?.prompt_tokens) - cacheRead - cacheWrite),
    output_tokens: count(usage?.completion_tokens),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
  if (typeof usage?.cost === "number" && Number.isFinite(usage.cost)) out.cost = usage.cost;
  return out;
}
