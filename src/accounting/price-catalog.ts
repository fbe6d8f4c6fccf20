/**
 * Prices every (provider, model) pair the gateway can route to.
 *
 * Precedence: a `pricing:` override keyed by the configured provider name,
 * then one keyed by the provider type, then the built-in catalog (model id or
 * alias), then the local-model default of 0 (ollama, openai-compatible), then
 * an upstream estimate (OpenRouter, Azure). Anything else is unpriced — never
 * a silent $0.
 *
 * ```ts
 * const catalog = PriceCatalog.fromConfig(config.pricing);
 * const quote = catalog.lookup("anthropic", "anthropic", "claude-sonnet-4-5");
 * if (quote.priced) computeCost(usage, quote.price);
 * ```
 */
import { createHash } from "node:crypto";
import { builtinCatalogFile, type CatalogEntry, type CatalogFile } from "./catalog-file.js";
import type { PriceEntry, PriceOverride, PriceOverrides, PriceQuote } from "./price-entry.js";
import { upstreamModel } from "./upstream-model.js";

/** Provider types that are self-hosted or unknown endpoints: free unless overridden. */
const LOCAL_TYPES: ReadonlySet<string> = new Set(["ollama", "openai-compatible"]);
const LOCAL_SOURCE = "local model: free by default; override in pricing:";
const ZERO_PRICE: PriceEntry = Object.freeze({ input: 0, output: 0 });

/** One row of `switchyard models`' price listing. */
export interface CatalogListing {
  /** Catalog provider type, or the configured provider name for a `pricing:` override. */
  provider: string;
  model: string;
  aliases: readonly string[];
  price: PriceEntry;
  origin: "catalog" | "config";
  context_window?: number;
  max_output_tokens?: number;
  status?: CatalogEntry["status"];
  source: string;
}

export class PriceCatalog {
  /** File version, plus `+config.<hash>` when `pricing:` overrides are in effect. */
  readonly version: string;
  private readonly file: CatalogFile;
  private readonly overrides: ReadonlyMap<string, PriceOverride>;
  /** `type/id` → entry, for ids and aliases; plus a lower-cased copy as a fallback. */
  private readonly byId = new Map<string, CatalogEntry>();
  private readonly byIdLower = new Map<string, CatalogEntry>();
  /** Bare id → first entry in file order (vendors list their own models first). */
  private readonly byBareId = new Map<string, CatalogEntry>();
  /** Each entry's prices alone (quotes do not carry sources, dates or aliases). */
  private readonly prices = new Map<CatalogEntry, PriceEntry>();

  constructor(file: CatalogFile, overrides: PriceOverrides = {}) {
    this.file = file;
    this.overrides = new Map(Object.entries(overrides));
    this.version = this.overrides.size > 0 ? `${file.version}+config.${hashOverrides(overrides)}` : file.version;
    for (const entry of file.models) {
      this.prices.set(entry, pricesOf(entry));
      for (const id of [entry.model, ...(entry.aliases ?? [])]) {
        const key = `${entry.provider}/${id}`;
        if (!this.byId.has(key)) this.byId.set(key, entry);
        if (!this.byIdLower.has(key.toLowerCase())) this.byIdLower.set(key.toLowerCase(), entry);
        if (!this.byBareId.has(id)) this.byBareId.set(id, entry);
      }
    }
  }

  /** The shipped catalog (read once per process) with the config's `pricing:` applied. */
  static fromConfig(pricing: PriceOverrides = {}): PriceCatalog {
    return new PriceCatalog(builtinCatalogFile(), pricing);
  }

  lookup(providerName: string, providerType: string, model: string): PriceQuote {
    for (const key of [`${providerName}/${model}`, `${providerType}/${model}`]) {
      const override = this.overrides.get(key);
      if (override) return { priced: true, price: override, origin: "config", estimate: false, source: `pricing: ${key}` };
    }
    const entry = this.find(providerType, model);
    if (entry) return { priced: true, price: this.prices.get(entry)!, origin: "catalog", estimate: false, source: `catalog ${this.file.version}: ${entry.provider}/${entry.model}` };
    if (LOCAL_TYPES.has(providerType)) return { priced: true, price: ZERO_PRICE, origin: "local", estimate: false, source: LOCAL_SOURCE };
    const upstream = upstreamModel(providerType, model);
    if (upstream?.free) return { priced: true, price: ZERO_PRICE, origin: "upstream-estimate", estimate: false, source: upstream.note };
    const hosted = upstream && this.findAny(upstream.providerType, upstream.candidates);
    if (upstream && hosted) {
      return { priced: true, price: this.prices.get(hosted)!, origin: "upstream-estimate", estimate: true, source: `${upstream.note} (catalog ${this.file.version}: ${hosted.provider}/${hosted.model})` };
    }
    return { priced: false, reason: `no price for ${providerName}/${model} (type ${providerType}); add it under pricing: as "${providerName}/${model}"` };
  }

  /** Max input+output tokens, when the catalog knows it. Without a type, the first matching id in file order. */
  contextWindow(model: string, providerType?: string): number | undefined {
    return this.metadata(model, providerType)?.context_window;
  }

  /** Max output tokens, when the catalog knows it (the Anthropic adapter's default `max_tokens`). */
  maxOutputTokens(model: string, providerType?: string): number | undefined {
    return this.metadata(model, providerType)?.max_output_tokens;
  }

  /** The provider type whose catalog entry lists this bare id (first in file order: vendors list their own models first). */
  vendorOf(model: string): string | undefined {
    return this.byBareId.get(model)?.provider;
  }

  /** Every built-in entry, then every `pricing:` override. */
  entries(): CatalogListing[] {
    const listings: CatalogListing[] = this.file.models.map((entry) => ({
      provider: entry.provider,
      model: entry.model,
      aliases: entry.aliases ?? [],
      price: this.prices.get(entry)!,
      origin: "catalog",
      context_window: entry.context_window,
      max_output_tokens: entry.max_output_tokens,
      status: entry.status,
      source: entry.source,
    }));
    for (const [key, price] of this.overrides) {
      const slash = key.indexOf("/");
      listings.push({ provider: key.slice(0, slash), model: key.slice(slash + 1), aliases: [], price, origin: "config", source: `pricing: ${key}` });
    }
    return listings;
  }

  private find(providerType: string, model: string): CatalogEntry | undefined {
    const key = `${providerType}/${model}`;
    return this.byId.get(key) ?? this.byIdLower.get(key.toLowerCase());
  }

  private findAny(providerType: string, candidates: readonly string[]): CatalogEntry | undefined {
    for (const id of candidates) {
      const entry = this.find(providerType, id);
      if (entry) return entry;
    }
    return undefined;
  }

  /** Catalog entry for metadata; a bare `vendor/model` id (no type) is read the OpenRouter way. */
  private metadata(model: string, providerType?: string): CatalogEntry | undefined {
    const direct = providerType === undefined ? this.byBareId.get(model) : this.find(providerType, model);
    if (direct) return direct;
    const upstream = upstreamModel(providerType ?? "openrouter", model);
    return upstream ? this.findAny(upstream.providerType, upstream.candidates) : undefined;
  }
}

function pricesOf(entry: CatalogEntry): PriceEntry {
  const price: PriceEntry = { input: entry.input, output: entry.output };
  if (entry.cached_input !== undefined) price.cached_input = entry.cached_input;
  if (entry.cache_write !== undefined) price.cache_write = entry.cache_write;
  if (entry.cache_write_1h !== undefined) price.cache_write_1h = entry.cache_write_1h;
  if (entry.web_search_per_1k !== undefined) price.web_search_per_1k = entry.web_search_per_1k;
  if (entry.tiers?.length) price.tiers = entry.tiers.map((tier) => Object.freeze({ ...tier }));
  return Object.freeze(price);
}

/** Stable short hash of the overrides, so the ledger's price_version changes when they do. */
function hashOverrides(overrides: PriceOverrides): string {
  const canonical = Object.keys(overrides)
    .sort()
    .map((key) => {
      const o = overrides[key]!;
      const fields: unknown[] = [key, o.input, o.output, o.cached_input ?? null, o.cache_write ?? null];
      // Appended only when set, so configs without them keep the version they had.
      if (o.cache_write_1h !== undefined || o.web_search_per_1k !== undefined) fields.push(o.cache_write_1h ?? null);
      if (o.web_search_per_1k !== undefined) fields.push(o.web_search_per_1k);
      return fields;
    });
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 8);
}
