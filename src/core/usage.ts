/**
 * Usage structured for money: every input token is counted exactly once in
 * `input.total`; cache reads and writes are subsets of it, priced differently.
 * Reasoning tokens are a subset of `output.total`.
 */
export interface Usage {
  input: {
    total: number;
    cacheRead: number;
    cacheWrite: number;
    /** Of `cacheWrite`, tokens cached for an hour (Anthropic's `ttl: "1h"`), billed above the 5-minute rate. */
    cacheWrite1h?: number;
  };
  output: { total: number; reasoning: number };
  /**
   * Billed web searches (Anthropic's `web_search` server tool, reported in
   * `usage.server_tool_use.web_search_requests`), priced per search apart from
   * tokens. Absent means none.
   */
  webSearchRequests?: number;
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

/** The largest token count believed from an upstream: far above any context window, far below float trouble. */
const MAX_REPORTED_TOKENS = 1_000_000_000;

/**
 * One token count as an upstream reported it: 0 when absent (undefined or
 * null), the count when it is a whole number in range, and -1 when it is
 * anything else (negative, fractional, absurdly large, not a number). A usage
 * object holding a -1 is unreadable: the gateway counts the tokens itself
 * rather than bill what it cannot believe.
 */
export function reportedTokens(value: unknown): number {
  if (value === undefined || value === null) return 0;
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_REPORTED_TOKENS ? value : -1;
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
