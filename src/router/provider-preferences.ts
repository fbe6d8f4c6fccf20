/**
 * OpenRouter-style `provider` request field: which providers may serve the
 * request and in what order. Applied to a plan after strategies.
 */
import { GatewayError } from "../core/errors.js";
import type { HealthBoard } from "./health.js";
import type { Deployment } from "./plan.js";

export interface ProviderPreferences {
  order?: string[];
  only?: string[];
  ignore?: string[];
  /** false: use only the providers named in `order` (or `only`); with neither, only the primary provider. */
  allow_fallbacks?: boolean;
  sort?: "price" | "latency";
  /** USD per 1M tokens. */
  max_price?: { prompt?: number; completion?: number };
}

export interface TokenEstimate {
  prompt: number;
  output: number;
}

export interface PriceLookup {
  /** Per-1M-token prices of a deployment; undefined when unpriced. */
  pricesOf(deployment: Deployment): { input: number; output: number } | undefined;
  /** USD this request would cost on a deployment; undefined when unpriced. */
  costOf(deployment: Deployment, tokens: TokenEstimate): number | undefined;
}

export function applyPreferences(
  plan: Deployment[],
  preferences: ProviderPreferences,
  prices: PriceLookup,
  costOf: (deployment: Deployment) => number | undefined,
  health: HealthBoard,
): Deployment[] {
  let result = plan;
  if (preferences.only) result = result.filter((d) => preferences.only!.includes(d.provider));
  if (preferences.ignore) result = result.filter((d) => !preferences.ignore!.includes(d.provider));
  const max = preferences.max_price;
  if (max) {
    result = result.filter((d) => {
      const price = prices.pricesOf(d);
      if (!price) return false; // cannot prove it is under the cap
      return (max.prompt === undefined || price.input <= max.prompt) && (max.completion === undefined || price.output <= max.completion);
    });
  }
  if (preferences.sort === "price") result = stableSort(result, (d) => costOf(d) ?? Number.POSITIVE_INFINITY);
  if (preferences.sort === "latency") result = stableSort(result, (d) => health.get(d.id).latencyMs ?? Number.POSITIVE_INFINITY);
  if (preferences.order) {
    const rank = (d: Deployment) => {
      const index = preferences.order!.indexOf(d.provider);
      return index === -1 ? Number.POSITIVE_INFINITY : index;
    };
    result = stableSort(result, rank);
    if (preferences.allow_fallbacks === false) result = result.filter((d) => preferences.order!.includes(d.provider));
  } else if (preferences.allow_fallbacks === false && !preferences.only && result.length > 0) {
    // OpenRouter's meaning without a list of providers: the primary provider alone, its error if it fails.
    const primary = result[0]!.provider;
    result = result.filter((d) => d.provider === primary);
  }
  if (result.length === 0) {
    throw new GatewayError("not_found", "No deployment of this model satisfies the 'provider' preferences", { code: "no_matching_provider", param: "provider" });
  }
  return result;
}

function stableSort(list: Deployment[], key: (d: Deployment) => number): Deployment[] {
  return list
    .map((d, index) => ({ d, index, k: key(d) }))
    .sort((a, b) => a.k - b.k || a.index - b.index)
    .map((entry) => entry.d);
}
