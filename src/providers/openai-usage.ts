import type { Usage } from "../core/usage.js";

type Bag = Record<string, unknown>;

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

function bag(value: unknown): Bag | undefined {
  return value !== null && typeof value === "object" ? (value as Bag) : undefined;
}

/**
 * Canonical usage from any OpenAI-like usage object. Handles the dialects:
 * OpenAI `prompt_tokens_details.cached_tokens`, DeepSeek `prompt_cache_hit_tokens`,
 * Mistral `num_cached_tokens`, and `cache_write_tokens` where reported.
 * Returns undefined when the object carries no token counts at all.
 */
export function usageFromOpenAI(raw: unknown): Usage | undefined {
  const usage = bag(raw);
  if (!usage || (usage.prompt_tokens === undefined && usage.completion_tokens === undefined)) return undefined;
  const promptDetails = bag(usage.prompt_tokens_details);
  const completionDetails = bag(usage.completion_tokens_details);
  const cacheRead =
    count(promptDetails?.cached_tokens) || count(usage.prompt_cache_hit_tokens) || count(usage.num_cached_tokens);
  return {
    input: {
      total: count(usage.prompt_tokens),
      cacheRead,
      cacheWrite: count(promptDetails?.cache_write_tokens),
    },
    output: { total: count(usage.completion_tokens), reasoning: count(completionDetails?.reasoning_tokens) },
  };
}
