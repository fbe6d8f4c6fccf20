/**
 * The savings report: what the traffic cost at wholesale, what a managed
 * gateway's markup would have added, and what tiered routing saved compared
 * with running everything on the most expensive model actually used.
 *
 * Pure: give it `spend({ groupBy: "model" })` rows and a way to price a group.
 */
import { computeCost } from "./cost.js";
import type { SpendRow } from "./ledger-store.js";
import type { PriceEntry } from "./price-entry.js";
import { roundUsd } from "./ledger-store.js";

export type SavingsGroup = Pick<SpendRow, "group" | "requests" | "input_tokens" | "cached_tokens" | "cache_write_tokens" | "output_tokens" | "cost_usd" | "unpriced_requests">;

export interface SavingsOptions {
  /** Price of a group (`provider/model`); undefined leaves the group out of the tiered comparison. */
  priceOf: (group: string) => PriceEntry | undefined;
  /** Managed-gateway fees to compare with, in percent. Default [5.5, 15]. */
  markupPercents?: readonly number[];
}

export interface MarkupComparison {
  percent: number;
  /** Wholesale plus the fee. */
  costUsd: number;
  /** The fee not paid. */
  savedUsd: number;
}

export interface TieredRoutingComparison {
  /** The used model whose prices make the compared traffic most expensive. */
  referenceModel: string;
  /** The compared groups re-priced at the reference model's base price. */
  allOnReferenceUsd: number;
  /** What the compared groups actually cost. */
  actualUsd: number;
  savedUsd: number;
  /** Groups left out: unpriced requests among them, or no price to re-price them with. */
  excludedGroups: string[];
}

export interface SavingsReport {
  requests: number;
  unpricedRequests: number;
  /** What was paid, at the providers' own prices. */
  wholesaleUsd: number;
  markup: MarkupComparison[];
  /** Null when no group could be compared. */
  tieredRouting: TieredRoutingComparison | null;
}

export const DEFAULT_MARKUP_PERCENTS: readonly number[] = [5.5, 15];

/**
 * Re-pricing uses base prices (long-context tiers ignored: an aggregate has no
 * per-request prompt size) and is compared with what was actually paid, so
 * tier premiums on the reference model make the figure conservative.
 */
export function computeSavings(groups: readonly SavingsGroup[], options: SavingsOptions): SavingsReport {
  let wholesale = 0;
  let requests = 0;
  let unpricedRequests = 0;
  for (const group of groups) {
    wholesale += group.cost_usd;
    requests += group.requests;
    unpricedRequests += group.unpriced_requests;
  }
  const wholesaleUsd = roundUsd(wholesale);
  const markup = (options.markupPercents ?? DEFAULT_MARKUP_PERCENTS).map((percent) => {
    const savedUsd = roundUsd((wholesaleUsd * percent) / 100);
    return { percent, costUsd: roundUsd(wholesaleUsd + savedUsd), savedUsd };
  });
  return { requests, unpricedRequests, wholesaleUsd, markup, tieredRouting: compareTiered(groups, options.priceOf) };
}

function compareTiered(groups: readonly SavingsGroup[], priceOf: SavingsOptions["priceOf"]): TieredRoutingComparison | null {
  const compared: Array<{ group: SavingsGroup; price: PriceEntry; name: string }> = [];
  const excludedGroups: string[] = [];
  for (const group of groups) {
    const price = group.group === null ? undefined : priceOf(group.group);
    // A group with unpriced requests has a partial cost; comparing it with a full re-pricing would invent savings.
    if (group.group === null || !price || group.unpriced_requests > 0) excludedGroups.push(String(group.group));
    else compared.push({ group, price, name: group.group });
  }
  if (compared.length === 0) return null;

  let reference: { name: string; total: number } | undefined;
  for (const candidate of compared) {
    const total = compared.reduce((sum, { group }) => sum + reprice(group, candidate.price), 0);
    if (!reference || total > reference.total || (total === reference.total && candidate.name < reference.name)) reference = { name: candidate.name, total };
  }
  const allOnReferenceUsd = roundUsd(reference!.total);
  const actualUsd = roundUsd(compared.reduce((sum, { group }) => sum + group.cost_usd, 0));
  return { referenceModel: reference!.name, allOnReferenceUsd, actualUsd, savedUsd: roundUsd(allOnReferenceUsd - actualUsd), excludedGroups };
}

function reprice(group: SavingsGroup, price: PriceEntry): number {
  const base: PriceEntry = { input: price.input, output: price.output, cached_input: price.cached_input, cache_write: price.cache_write };
  return computeCost(
    { input: { total: group.input_tokens, cacheRead: group.cached_tokens, cacheWrite: group.cache_write_tokens }, output: { total: group.output_tokens, reasoning: 0 } },
    base,
  );
}
