import type { Usage } from "../../core/usage.js";
import type { AnthropicUsage } from "./wire-types.js";

function count(value: number | null | undefined): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Canonical usage from Anthropic's. Anthropic's `input_tokens` excludes cache
 * reads and writes, so the canonical input total adds them back (each input
 * token counted once); writes are kept apart because they bill at a premium.
 * Undefined when the object carries no token counts.
 */
export function usageFromAnthropic(raw: AnthropicUsage | null | undefined): Usage | undefined {
  if (!raw || (raw.input_tokens == null && raw.output_tokens == null)) return undefined;
  const cacheRead = count(raw.cache_read_input_tokens);
  const cacheWrite = count(raw.cache_creation_input_tokens);
  return {
    input: { total: count(raw.input_tokens) + cacheRead + cacheWrite, cacheRead, cacheWrite },
    output: { total: count(raw.output_tokens), reasoning: count(raw.output_tokens_details?.thinking_tokens) },
  };
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
