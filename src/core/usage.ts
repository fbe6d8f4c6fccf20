/**
 * Usage structured for money: every input token is counted exactly once in
 * `input.total`; cache reads and writes are subsets of it, priced differently.
 * Reasoning tokens are a subset of `output.total`.
 */
export interface Usage {
  input: { total: number; cacheRead: number; cacheWrite: number };
  output: { total: number; reasoning: number };
}

/** OpenAI's wire usage object, plus Switchyard's `cost` (USD) when priced. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number; [key: string]: unknown };
  completion_tokens_details?: { reasoning_tokens?: number; [key: string]: unknown };
  cost?: number;
  [key: string]: unknown;
}

export function emptyUsage(): Usage {
  return { input: { total: 0, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, reasoning: 0 } };
}

/** Renders canonical usage in OpenAI's shape (cached ⊂ prompt, reasoning ⊂ completion). */
export function toOpenAIUsage(usage: Usage): OpenAIUsage {
  const wire: OpenAIUsage = {
    prompt_tokens: usage.input.total,
    completion_tokens: usage.output.total,
    total_tokens: usage.input.total + usage.output.total,
    prompt_tokens_details: { cached_tokens: usage.input.cacheRead },
    completion_tokens_details: { reasoning_tokens: usage.output.reasoning },
  };
  if (usage.input.cacheWrite > 0) wire.prompt_tokens_details!.cache_write_tokens = usage.input.cacheWrite;
  return wire;
}
