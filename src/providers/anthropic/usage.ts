import { reportedTokens, type Usage } from "../../core/usage.js";
import type { AnthropicUsage } from "./wire-types.js";

/**
 * Canonical usage from Anthropic's. Anthropic's `input_tokens` excludes cache
 * reads and writes, so the canonical input total adds them back (each input
 * token counted once); writes are kept apart because they bill at a premium,
 * and one-hour writes apart from those, at a higher one. Web searches
 * (`server_tool_use.web_search_requests`) are kept as a count, billed per search.
 * Undefined when the object carries no token counts, or a count that is not
 * one (see `reportedTokens`).
 */
export function usageFromAnthropic(raw: AnthropicUsage | null | undefined): Usage | undefined {
  if (!raw || typeof raw !== "object" || (raw.input_tokens == null && raw.output_tokens == null)) return undefined;
  const input = reportedTokens(raw.input_tokens);
  const cacheRead = reportedTokens(raw.cache_read_input_tokens);
  const cacheWrite = reportedTokens(raw.cache_creation_input_tokens);
  const output = reportedTokens(raw.output_tokens);
  const creation = raw.cache_creation;
  const cacheWrite1h = reportedTokens(creation !== null && typeof creation === "object" ? creation.ephemeral_1h_input_tokens : undefined);
  const details = raw.output_tokens_details;
  const thinking = reportedTokens(details !== null && typeof details === "object" ? details.thinking_tokens : undefined);
  const serverTools = raw.server_tool_use;
  const webSearches = reportedTokens(serverTools !== null && typeof serverTools === "object" ? serverTools.web_search_requests : undefined);
  if (Math.min(input, cacheRead, cacheWrite, cacheWrite1h, output, thinking, webSearches) < 0) return undefined;
  const usage: Usage = {
    input: { total: input + cacheRead + cacheWrite, cacheRead, cacheWrite },
    output: { total: output, reasoning: thinking },
  };
  // A split larger than the total it splits is not believed: the writes bill at the 5-minute rate.
  if (cacheWrite1h > 0 && cacheWrite1h <= cacheWrite) usage.input.cacheWrite1h = cacheWrite1h;
  // Billed per search on top of tokens; web fetches (`web_fetch_requests`) cost only their tokens.
  if (webSearches > 0) usage.webSearchRequests = webSearches;
  return usage;
}

/**
 * Streams report input and cache counts in `message_start` and cumulative
 * counts in `message_delta` (which may repeat or update the input counts):
 * later non-null values win, nothing is summed.
 */
export function mergeAnthropicUsage(base: AnthropicUsage | undefined, update: AnthropicUsage | null | undefined): AnthropicUsage | undefined {
  if (!update) return base;
  const merged: AnthropicUsage = { ...base };
  for (const [key, value] of Object.entries(update) as Array<[keyof AnthropicUsage, AnthropicUsage[keyof AnthropicUsage]]>) {
    if (value !== null && value !== undefined) Object.assign(merged, { [key]: value });
  }
  return merged;
}
