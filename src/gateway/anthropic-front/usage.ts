import { reportedTokens, type OpenAIUsage, type Usage } from "../../core/usage.js";
import type { AnthropicCacheCreation, AnthropicUsage } from "./types.js";

/** A count, or 0 for anything that is not one. */
function count(value: unknown): number {
  return Math.max(0, reportedTokens(value));
}

/**
 * OpenAI usage in Anthropic's terms: OpenAI's `prompt_tokens` includes cached
 * (and cache-written) tokens, Anthropic's `input_tokens` excludes both.
 */
export function toAnthropicUsage(usage: OpenAIUsage | null | undefined, cacheCreation?: AnthropicCacheCreation): AnthropicUsage {
  const cacheRead = count(usage?.prompt_tokens_details?.cached_tokens);
  const cacheWrite = count(usage?.prompt_tokens_details?.cache_write_tokens);
  const out: AnthropicUsage = {
    input_tokens: Math.max(0, count(usage?.prompt_tokens) - cacheRead - cacheWrite),
    output_tokens: count(usage?.completion_tokens),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
  if (cacheCreation) out.cache_creation = cacheCreation;
  if (typeof usage?.cost === "number" && Number.isFinite(usage.cost)) out.cost = usage.cost;
  return out;
}

/**
 * Cache writes by lifetime, when the serving adapter's wire reports them: only
 * Anthropic's does (`usage.cache_creation`); its writes without a one-hour
 * count are five-minute ones, as billing counts them. Undefined otherwise.
 */
export function cacheCreationOf(usage: Usage, adapterType: string | undefined): AnthropicCacheCreation | undefined {
  if (adapterType !== "anthropic") return undefined;
  const oneHour = usage.input.cacheWrite1h ?? 0;
  return { ephemeral_5m_input_tokens: usage.input.cacheWrite - oneHour, ephemeral_1h_input_tokens: oneHour };
}
