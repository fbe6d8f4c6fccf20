import { reportedTokens, type Usage } from "../core/usage.js";

type Bag = Record<string, unknown>;

function bag(value: unknown): Bag | undefined {
  return value !== null && typeof value === "object" ? (value as Bag) : undefined;
}

/**
 * Canonical usage from any OpenAI-like usage object. Handles the dialects:
 * OpenAI `prompt_tokens_details.cached_tokens`, DeepSeek `prompt_cache_hit_tokens`,
 * Mistral `num_cached_tokens`, and cache writes where reported (`cache_write_tokens`,
 * DashScope's `cache_creation_input_tokens`).
 * xAI counts reasoning tokens beside `completion_tokens`, not inside (its
 * `total_tokens` adds all three); they are billed as output all the same.
 * Returns undefined when the object carries no token counts at all, or a
 * count that is not one (see `reportedTokens`).
 */
export function usageFromOpenAI(raw: unknown): Usage | undefined {
  const usage = bag(raw);
  if (!usage || (usage.prompt_tokens === undefined && usage.completion_tokens === undefined)) return undefined;
  const promptDetails = bag(usage.prompt_tokens_details);
  const completionDetails = bag(usage.completion_tokens_details);
  const prompt = reportedTokens(usage.prompt_tokens);
  const completion = reportedTokens(usage.completion_tokens);
  const cached = reportedTokens(promptDetails?.cached_tokens);
  const cacheHits = reportedTokens(usage.prompt_cache_hit_tokens);
  const numCached = reportedTokens(usage.num_cached_tokens);
  // OpenAI's spec names cache writes `cache_write_tokens`; Qwen (DashScope) reports its explicit-cache writes as `cache_creation_input_tokens`.
  const cacheWrite = reportedTokens(promptDetails?.cache_write_tokens) || reportedTokens(promptDetails?.cache_creation_input_tokens);
  const reasoning = reportedTokens(completionDetails?.reasoning_tokens);
  if (Math.min(prompt, completion, cached, cacheHits, numCached, cacheWrite, reasoning) < 0) return undefined;
  return {
    input: { total: prompt, cacheRead: cached || cacheHits || numCached, cacheWrite },
    output: { total: reasoningOutside(usage, prompt, completion, reasoning) ? completion + reasoning : completion, reasoning },
  };
}

/** Whether the reasoning tokens are outside `completion_tokens`: the reported total adds them to it. */
function reasoningOutside(usage: Bag, prompt: number, completion: number, reasoning: number): boolean {
  return reasoning > 0 && usage.total_tokens === prompt + completion + reasoning;
}
