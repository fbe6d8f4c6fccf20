/**
 * Usage × price → USD.
 *
 * Exact arithmetic: each price (USD per 1M tokens) becomes an integer number
 * of pico-dollars per token (× 1e6, so prices are exact to 1e-6 USD per 1M
 * tokens), token counts are integers, and the products are summed as BigInt.
 * The single division at the end yields the double nearest to the exact
 * decimal cost, so 600 × 2.5 + 400 × 1.25 + 200 × 10 per 1M is exactly 0.004,
 * not 0.0040000000000000001. Costs carry at most 12 decimals. Web searches
 * are priced the same way: USD per 1,000 searches × 1e9 is an integer number
 * of pico-dollars per search.
 */
import type { Usage } from "../core/usage.js";
import type { PriceEntry, PriceQuote, PriceTier } from "./price-entry.js";

const PICO_PER_USD = 1e12;

/** A price with the request's tier applied and every cache price filled in. */
export interface EffectivePrice {
  input: number;
  cached_input: number;
  cache_write: number;
  cache_write_1h: number;
  output: number;
}

/**
 * The rates for a request with `inputTokens` of prompt: the highest tier whose
 * `above_input_tokens` is exceeded overrides the base fields it defines; cache
 * prices missing after that fall back to the (tiered) input price, one-hour
 * writes to twice it (Anthropic's rule; no other provider reports them).
 */
export function effectivePrice(price: PriceEntry, inputTokens: number): EffectivePrice {
  let tier: PriceTier | undefined;
  for (const candidate of price.tiers ?? []) {
    if (inputTokens > candidate.above_input_tokens && (!tier || candidate.above_input_tokens > tier.above_input_tokens)) tier = candidate;
  }
  const input = tier?.input ?? price.input;
  return {
    input,
    cached_input: tier?.cached_input ?? price.cached_input ?? input,
    cache_write: tier?.cache_write ?? price.cache_write ?? input,
    cache_write_1h: tier?.cache_write_1h ?? price.cache_write_1h ?? input * 2,
    output: tier?.output ?? price.output,
  };
}

/**
 * USD cost of one request. Uncached input = input.total − cacheRead −
 * cacheWrite (clamped at 0 if a provider over-reports cache tokens; the cache
 * counts are still charged); of the writes, the one-hour ones at their own
 * rate. Reasoning tokens are inside output.total and are charged once.
 * Web searches add `web_search_per_1k` / 1000 each (nothing where the price
 * lists no search fee).
 */
export function computeCost(usage: Usage, price: PriceEntry): number {
  const total = tokens(usage.input.total);
  const cacheRead = tokens(usage.input.cacheRead);
  const cacheWrite = tokens(usage.input.cacheWrite);
  const cacheWrite1h = Math.min(cacheWrite, tokens(usage.input.cacheWrite1h ?? 0));
  const uncached = Math.max(0, total - cacheRead - cacheWrite);
  const rate = effectivePrice(price, total);
  const pico =
    BigInt(uncached) * picoPerToken(rate.input) +
    BigInt(cacheRead) * picoPerToken(rate.cached_input) +
    BigInt(cacheWrite - cacheWrite1h) * picoPerToken(rate.cache_write) +
    BigInt(cacheWrite1h) * picoPerToken(rate.cache_write_1h) +
    BigInt(tokens(usage.output.total)) * picoPerToken(rate.output) +
    BigInt(tokens(usage.webSearchRequests ?? 0)) * picoPerSearch(price.web_search_per_1k ?? 0);
  return Number(pico) / PICO_PER_USD;
}

/**
 * Upper bound for a budget reservation before the request runs: every prompt
 * token at the dearest of the input and cache-write rates (a cache write may
 * cost more than plain input; the one-hour rate counts where the price lists
 * one, as Anthropic's do), the tier picked by `promptTokens`, and the full
 * `maxOutputTokens`; each of `webSearches` adds its fee and `SEARCH_RESULT_TOKENS` of
 * results read as input. Only as good as the prompt estimate it is given.
 */
export function worstCaseCost(promptTokens: number, maxOutputTokens: number, price: PriceEntry, webSearches = 0): number {
  const rate = effectivePrice(price, tokens(promptTokens));
  const listsHourWrites = price.cache_write_1h !== undefined || price.tiers?.some((tier) => tier.cache_write_1h !== undefined);
  const dearestInput = picoPerToken(Math.max(rate.input, rate.cache_write, listsHourWrites ? rate.cache_write_1h : 0));
  const searches = BigInt(tokens(webSearches));
  const pico =
    BigInt(tokens(promptTokens)) * dearestInput +
    BigInt(tokens(maxOutputTokens)) * picoPerToken(rate.output) +
    searches * (picoPerSearch(price.web_search_per_1k ?? 0) + BigInt(SEARCH_RESULT_TOKENS) * dearestInput);
  return Number(pico) / PICO_PER_USD;
}

/**
 * Input tokens a web search's results are assumed to add, for reservations: a search's
 * results come back into the same turn as input (a few thousand tokens is typical).
 */
export const SEARCH_RESULT_TOKENS = 10_000;

/** What the ledger and the response's `usage.cost` need from a quote. */
export interface PricedUsage {
  /** USD, or null when unpriced (never a silent 0). */
  costUsd: number | null;
  unpriced: boolean;
  /** The price is an estimate (e.g. OpenRouter at the upstream's list price). */
  estimate: boolean;
}

export function priceUsage(usage: Usage, quote: PriceQuote): PricedUsage {
  if (!quote.priced) return { costUsd: null, unpriced: true, estimate: false };
  return { costUsd: computeCost(usage, quote.price), unpriced: false, estimate: quote.estimate };
}

function picoPerToken(usdPerMillion: number): bigint {
  return BigInt(Math.round(usdPerMillion * 1e6));
}

/** USD per 1,000 searches → pico-dollars per search (exact to 1e-9 USD per 1,000). */
function picoPerSearch(usdPerThousand: number): bigint {
  return BigInt(Math.round(usdPerThousand * 1e9));
}

/** Token (and search) counts from upstreams are untrusted: negative, fractional or NaN become sane integers. */
function tokens(count: number): number {
  return Number.isFinite(count) && count > 0 ? Math.round(count) : 0;
}
