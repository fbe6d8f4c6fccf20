import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Usage } from "../core/usage.js";
import { builtinCatalogFile, builtinCatalogPath, parseCatalogFile } from "./catalog-file.js";
import { computeCost, priceUsage, worstCaseCost } from "./cost.js";
import { PriceCatalog } from "./price-catalog.js";
import type { PriceEntry } from "./price-entry.js";

function usage(input: number, output: number, webSearchRequests?: number): Usage {
  const result: Usage = { input: { total: input, cacheRead: 0, cacheWrite: 0 }, output: { total: output, reasoning: 0 } };
  if (webSearchRequests !== undefined) result.webSearchRequests = webSearchRequests;
  return result;
}

describe("web search fee in computeCost", () => {
  const withFee: PriceEntry = { input: 3, output: 15, web_search_per_1k: 10 };

  it("adds exactly web_search_per_1k / 1000 per search", () => {
    // 1000 × $3/M = 0.003, + 3 × $0.01 = 0.033, exactly (not 0.033000000000000002).
    expect(computeCost(usage(1000, 0), withFee)).toBe(0.003);
    expect(computeCost(usage(1000, 0, 3), withFee)).toBe(0.033);
    expect(computeCost(usage(0, 0, 3), withFee)).toBe(0.03);
    // 1000 × 3 + 200 × 15 = 6000 µ$, + 7 searches = 0.07
    expect(computeCost(usage(1000, 200, 7), withFee)).toBe(0.076);
    // A fee that is not a round cent per search stays exact: 1 × $0.0125
    expect(computeCost(usage(0, 0, 1), { input: 0, output: 0, web_search_per_1k: 12.5 })).toBe(0.0125);
  });

  it("adds nothing where the price lists no fee, or the usage reports no searches", () => {
    expect(computeCost(usage(1000, 0, 3), { input: 3, output: 15 })).toBe(0.003);
    expect(computeCost(usage(1000, 0), withFee)).toBe(0.003);
    expect(computeCost(usage(1000, 0, 0), withFee)).toBe(0.003);
  });

  it("does not tier: a long prompt's tier leaves the search fee as it is", () => {
    const tiered: PriceEntry = { ...withFee, tiers: [{ above_input_tokens: 100, input: 6 }] };
    // 1000 × 6 = 6000 µ$ + 2 × 0.01
    expect(computeCost(usage(1000, 0, 2), tiered)).toBe(0.026);
  });

  it("ignores a search count that is not one (negative, fractional, NaN)", () => {
    expect(computeCost(usage(1000, 0, -3), withFee)).toBe(0.003);
    expect(computeCost(usage(1000, 0, Number.NaN), withFee)).toBe(0.003);
  });

  it("leaves worstCaseCost alone for a request that cannot search", () => {
    expect(worstCaseCost(1000, 0, withFee)).toBe(worstCaseCost(1000, 0, { input: 3, output: 15 }));
  });

  it("reserves each possible search: its fee and SEARCH_RESULT_TOKENS of input at the dearest input rate", () => {
    // 1,000 prompt + 3 × 10,000 result tokens at $3.75/M (cache writes dearer than input) = 0.11625, 100 output at $15/M = 0.0015, 3 × $0.01.
    expect(worstCaseCost(1000, 100, { ...withFee, cache_write: 3.75 }, 3)).toBe(0.14775);
    expect(worstCaseCost(1000, 100, { input: 3, output: 15 }, 3)).toBe(0.0945);
  });
});

describe("the catalog's web search fee", () => {
  const catalog = PriceCatalog.fromConfig();

  it("is 10 per 1,000 on every Anthropic entry, and on no other", () => {
    const raw = JSON.parse(readFileSync(builtinCatalogPath(), "utf8")) as { models: Array<{ provider: string; web_search_per_1k?: number }> };
    const claude = raw.models.filter((entry) => entry.provider === "anthropic");
    expect(claude.length).toBeGreaterThan(0);
    for (const entry of claude) expect(entry.web_search_per_1k).toBe(10);
    expect(raw.models.filter((entry) => entry.provider !== "anthropic" && entry.web_search_per_1k !== undefined)).toEqual([]);
    for (const entry of builtinCatalogFile().models.filter((e) => e.provider === "anthropic")) {
      const quote = catalog.lookup("anthropic", "anthropic", entry.model);
      expect(quote.priced && quote.price.web_search_per_1k, entry.model).toBe(10);
    }
  });

  it("prices an Anthropic request that searched", () => {
    const quote = catalog.lookup("anthropic", "anthropic", "claude-sonnet-4-5");
    // 1000 × $3/M + 3 searches × $0.01
    expect(priceUsage(usage(1000, 0, 3), quote)).toEqual({ costUsd: 0.033, unpriced: false, estimate: false });
  });

  it("an OpenRouter Claude id carries the fee but adds nothing without reported searches", () => {
    const quote = catalog.lookup("or", "openrouter", "anthropic/claude-sonnet-4.5");
    expect(quote).toMatchObject({ priced: true, origin: "upstream-estimate", price: { web_search_per_1k: 10 } });
    expect(priceUsage(usage(1000, 0), quote)).toEqual({ costUsd: 0.003, unpriced: false, estimate: true });
  });

  it("the file validator takes the field and refuses a negative or non-number one", () => {
    const file = (fee: unknown) => ({
      version: "x", as_of: "x", currency: "USD", unit: "per_million_tokens",
      models: [{ provider: "anthropic", model: "m", input: 1, output: 2, web_search_per_1k: fee, source: "s", checked: "c", status: "current" }],
    });
    expect(parseCatalogFile(file(10)).models[0]!.web_search_per_1k).toBe(10);
    expect(() => parseCatalogFile(file(-1))).toThrow(/models\.0\.web_search_per_1k/);
    expect(() => parseCatalogFile(file("10"))).toThrow(/models\.0\.web_search_per_1k/);
  });

  it("the notes say the fee is applied", () => {
    expect(builtinCatalogFile().notes).toContain("Anthropic's web search fee ($10 per 1,000 searches) is applied from usage.server_tool_use");
  });
});
