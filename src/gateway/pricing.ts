/**
 * Prices per deployment, looked up once and cached: what the router compares
 * (lowest-cost, sort: price, max_price, context windows) and what a finished
 * request costs.
 */
import { priceUsage, type PricedUsage } from "../accounting/cost.js";
import type { PriceCatalog } from "../accounting/price-catalog.js";
import type { PriceQuote } from "../accounting/price-entry.js";
import { computeCost } from "../accounting/cost.js";
import type { Usage } from "../core/usage.js";
import type { Deployment } from "../router/plan.js";
import type { PriceLookup, TokenEstimate } from "../router/provider-preferences.js";

/** Deployments whose price is remembered at most (a lookup costs a few µs). */
export const MAX_QUOTES = 10_000;

/** Clients may name any provider/model (in `model` and `models`): a memo starts over rather than grow without bound. */
function remember<T>(memo: Map<string, T>, id: string, value: T): void {
  if (memo.size >= MAX_QUOTES) memo.clear();
  memo.set(id, value);
}

export class Pricing implements PriceLookup {
  private readonly quotes = new Map<string, PriceQuote>();
  private readonly windows = new Map<string, number | undefined>();

  constructor(readonly catalog: PriceCatalog, private readonly typeOf: (provider: string) => string | undefined) {}

  quote(deployment: Pick<Deployment, "id" | "provider" | "model">): PriceQuote {
    let quote = this.quotes.get(deployment.id);
    if (!quote) {
      quote = this.catalog.lookup(deployment.provider, this.typeOf(deployment.provider) ?? deployment.provider, deployment.model);
      remember(this.quotes, deployment.id, quote);
    }
    return quote;
  }

  pricesOf(deployment: Deployment): { input: number; output: number } | undefined {
    const quote = this.quote(deployment);
    return quote.priced ? { input: quote.price.input, output: quote.price.output } : undefined;
  }

  costOf(deployment: Deployment, tokens: TokenEstimate): number | undefined {
    const quote = this.quote(deployment);
    if (!quote.priced) return undefined;
    return computeCost({ input: { total: tokens.prompt, cacheRead: 0, cacheWrite: 0 }, output: { total: tokens.output, reasoning: 0 } }, quote.price);
  }

  contextWindowOf(deployment: Deployment): number | undefined {
    if (!this.windows.has(deployment.id)) remember(this.windows, deployment.id, this.catalog.contextWindow(deployment.model, this.typeOf(deployment.provider)));
    return this.windows.get(deployment.id);
  }

  maxOutputTokensOf(deployment: Pick<Deployment, "provider" | "model">): number | undefined {
    return this.catalog.maxOutputTokens(deployment.model, this.typeOf(deployment.provider));
  }

  price(deployment: Pick<Deployment, "id" | "provider" | "model">, usage: Usage): PricedUsage {
    return priceUsage(usage, this.quote(deployment));
  }

  get version(): string {
    return this.catalog.version;
  }
}
