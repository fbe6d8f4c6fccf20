import { describe, expect, it } from "vitest";
import type { PriceEntry } from "./price-entry.js";
import { computeSavings, type SavingsGroup } from "./savings.js";

const PRICES: Record<string, PriceEntry> = {
  "vendor/big": { input: 10, output: 30, cached_input: 1, tiers: [{ above_input_tokens: 100, input: 1000 }] },
  "vendor/small": { input: 1, output: 2 },
  "local/free": { input: 0, output: 0 },
};

function group(name: string | null, fields: Partial<SavingsGroup>): SavingsGroup {
  return { group: name, requests: 1, input_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 0, cost_usd: 0, unpriced_requests: 0, ...fields };
}

const GROUPS: SavingsGroup[] = [
  // 800 × 10 + 200 × 1 + 100 × 30 = 11200 µ$
  group("vendor/big", { requests: 2, input_tokens: 1000, cached_tokens: 200, output_tokens: 100, cost_usd: 0.0112 }),
  // 10000 × 1 + 5000 × 2 = 20000 µ$
  group("vendor/small", { requests: 10, input_tokens: 10_000, output_tokens: 5000, cost_usd: 0.02 }),
  group("other/unknown", { input_tokens: 50, cost_usd: 0.001 }),
  group("other/unpriced", { input_tokens: 70, unpriced_requests: 1 }),
];

describe("computeSavings", () => {
  const report = computeSavings(GROUPS, { priceOf: (g) => PRICES[g] });

  it("wholesale and request totals", () => {
    expect(report).toMatchObject({ requests: 14, unpricedRequests: 1, wholesaleUsd: 0.0322 });
  });

  it("markup gateway comparison at the default 5.5 % and 15 %", () => {
    // 0.0322 × 0.055 = 0.001771; 0.0322 × 0.15 = 0.00483
    expect(report.markup).toEqual([
      { percent: 5.5, costUsd: 0.033971, savedUsd: 0.001771 },
      { percent: 15, costUsd: 0.03703, savedUsd: 0.00483 },
    ]);
    expect(computeSavings(GROUPS, { priceOf: () => undefined, markupPercents: [30] }).markup).toEqual([{ percent: 30, costUsd: 0.04186, savedUsd: 0.00966 }]);
  });

  it("tiered routing: everything re-priced at the most expensive model used (base price, tiers ignored)", () => {
    // On big: 0.0112 + (10000 × 10 + 5000 × 30 = 250000 µ$) = 0.2612; on small: 0.0012 + 0.02 = 0.0212
    expect(report.tieredRouting).toEqual({
      referenceModel: "vendor/big",
      allOnReferenceUsd: 0.2612,
      actualUsd: 0.0312,
      savedUsd: 0.23,
      excludedGroups: ["other/unknown", "other/unpriced"],
    });
  });

  it("local free models count as saved against the reference", () => {
    const withLocal = computeSavings([...GROUPS, group("local/free", { input_tokens: 1000, output_tokens: 1000 })], { priceOf: (g) => PRICES[g] });
    // + 1000 × 10 + 1000 × 30 = 40000 µ$ on big, paid 0
    expect(withLocal.tieredRouting).toMatchObject({ allOnReferenceUsd: 0.3012, actualUsd: 0.0312, savedUsd: 0.27 });
  });

  it("no comparable group → no tiered figure", () => {
    expect(computeSavings([], { priceOf: () => undefined })).toEqual({
      requests: 0, unpricedRequests: 0, wholesaleUsd: 0,
      markup: [{ percent: 5.5, costUsd: 0, savedUsd: 0 }, { percent: 15, costUsd: 0, savedUsd: 0 }],
      tieredRouting: null,
    });
  });
});
