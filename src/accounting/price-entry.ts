/**
 * Price shapes, in USD per 1M tokens (the unit of `data/prices.json` and of
 * the config's `pricing:` section); per-call tool fees in USD per 1,000 calls.
 */

/** Long-context prices: apply to the whole request when its input exceeds `above_input_tokens`. */
export interface PriceTier {
  above_input_tokens: number;
  input?: number;
  cached_input?: number;
  cache_write?: number;
  cache_write_1h?: number;
  output?: number;
}

/** What one model costs. Missing cache prices fall back to `input`. */
export interface PriceEntry {
  /** Uncached input tokens. */
  input: number;
  /** Output tokens, reasoning included. */
  output: number;
  /** Cache reads / cache hits. */
  cached_input?: number;
  /** Cache writes, where billed separately from input. */
  cache_write?: number;
  /** One-hour cache writes (Anthropic); missing: twice `input`, Anthropic's rule. */
  cache_write_1h?: number;
  /** USD per 1,000 web searches (Anthropic's `web_search` server tool), on top of tokens; missing: searches add nothing. Not tiered. */
  web_search_per_1k?: number;
  tiers?: PriceTier[];
}

/** A `pricing:` entry from the config (no tiers: an override is a flat price). */
export interface PriceOverride {
  input: number;
  output: number;
  cached_input?: number;
  cache_write?: number;
  cache_write_1h?: number;
  /** USD per 1,000 web searches. */
  web_search_per_1k?: number;
}

/** The config's `pricing:` map, keyed `provider/model`. */
export type PriceOverrides = Readonly<Record<string, PriceOverride>>;

/** Where a quote's price came from. */
export type PriceOrigin =
  | "config" // `pricing:` override
  | "catalog" // built-in data/prices.json
  | "local" // ollama / openai-compatible default of 0
  | "upstream-estimate"; // an aggregator or host priced at the upstream vendor's list price

/** The answer to "what does this provider/model cost?". Unknown models are unpriced, never $0. */
export type PriceQuote =
  | {
      priced: true;
      price: PriceEntry;
      origin: PriceOrigin;
      /** True when the price is not the provider's own list price (ledger `estimated`). */
      estimate: boolean;
      /** Human-readable provenance, shown by `switchyard models` and in logs. */
      source: string;
    }
  | { priced: false; reason: string };
