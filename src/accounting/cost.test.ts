import { describe, expect, it } from "vitest";
import type { Usage } from "../core/usage.js";
import { computeCost, effectivePrice, priceUsage, worstCaseCost } from "./cost.js";
import { PriceCatalog } from "./price-catalog.js";
import type { PriceEntry } from "./price-entry.js";

const catalog = PriceCatalog.fromConfig();

function price(providerType: string, model: string): PriceEntry {
  const quote = catalog.lookup(providerType, providerType, model);
  if (!quote.priced) throw new Error(quote.reason);
  return quote.price;
}

function usage(input: number, output: number, extra: { cacheRead?: number; cacheWrite?: number; cacheWrite1h?: number; reasoning?: number } = {}): Usage {
  const result: Usage = {
    input: { total: input, cacheRead: extra.cacheRead ?? 0, cacheWrite: extra.cacheWrite ?? 0 },
    output: { total: output, reasoning: extra.reasoning ?? 0 },
  };
  if (extra.cacheWrite1h !== undefined) result.input.cacheWrite1h = extra.cacheWrite1h;
  return result;
}

describe("computeCost", () => {
  it("OpenAI cached tokens: gpt-4o, 1000 input of which 400 cached, 200 output", () => {
    // 600 × 2.50 + 400 × 1.25 + 200 × 10.00 = 4000 µ$
    expect(computeCost(usage(1000, 200, { cacheRead: 400 }), price("openai", "gpt-4o"))).toBe(0.004);
  });

  it("Anthropic cache read and write: claude-sonnet-4-5", () => {
    // 2000 × 3 + 6000 × 0.30 + 2000 × 3.75 + 500 × 15 = 6000 + 1800 + 7500 + 7500 = 22800 µ$
    expect(computeCost(usage(10_000, 500, { cacheRead: 6000, cacheWrite: 2000 }), price("anthropic", "claude-sonnet-4-5"))).toBe(0.0228);
  });

  it("Anthropic one-hour cache writes bill at their own rate: claude-sonnet-4-5", () => {
    // 2000 × 3 + 1000 × 3.75 (5-minute) + 1000 × 6.00 (one-hour) + 500 × 15 = 6000 + 3750 + 6000 + 7500 = 23250 µ$
    expect(computeCost(usage(4000, 500, { cacheWrite: 2000, cacheWrite1h: 1000 }), price("anthropic", "claude-sonnet-4-5"))).toBe(0.02325);
    // Without the split the same writes bill at the 5-minute rate: 6000 + 7500 + 7500 = 21000 µ$
    expect(computeCost(usage(4000, 500, { cacheWrite: 2000 }), price("anthropic", "claude-sonnet-4-5"))).toBe(0.021);
  });

  it("one-hour writes fall back to twice the input price, and never exceed the writes they split", () => {
    const flat: PriceEntry = { input: 1, output: 2, cache_write: 1.25 };
    // 1000 × 1.25 + 1000 × 2 = 3250 µ$
    expect(computeCost(usage(2000, 0, { cacheWrite: 2000, cacheWrite1h: 1000 }), flat)).toBe(0.00325);
    // A split larger than the writes counts as all of them: 2000 × 2 = 4000 µ$
    expect(computeCost(usage(2000, 0, { cacheWrite: 2000, cacheWrite1h: 5000 }), flat)).toBe(0.004);
  });

  it("Gemini cached content and thoughts: gemini-2.5-flash, thoughts counted once inside output", () => {
    // prompt 5000 (2000 cached), candidates 300 + thoughts 700 = output 1000 (reasoning 700)
    // 3000 × 0.30 + 2000 × 0.03 + 1000 × 2.50 = 900 + 60 + 2500 = 3460 µ$
    expect(computeCost(usage(5000, 1000, { cacheRead: 2000, reasoning: 700 }), price("gemini", "gemini-2.5-flash"))).toBe(0.00346);
  });

  it("DeepSeek cache hit and miss", () => {
    // deepseek-flash: miss 3000 × 0.30 + hit 7000 × 0.006 + 1500 × 1.20 = 900 + 42 + 1800 = 2742 µ$
    expect(computeCost(usage(10_000, 1500, { cacheRead: 7000 }), price("deepseek", "deepseek-flash"))).toBe(0.002742);
    // deepseek-chat: 1000 × 0.14 + 1000 × 0.0028 + 1000 × 0.28 = 422.8 µ$
    expect(computeCost(usage(2000, 1000, { cacheRead: 1000 }), price("deepseek", "deepseek-chat"))).toBe(0.0004228);
  });

  it("long-context tier: exactly at the threshold is base price, one above is the tier for the whole request", () => {
    const sonnet = price("anthropic", "claude-sonnet-4-5");
    // 200000 × 3 + 1000 × 15 = 615000 µ$
    expect(computeCost(usage(200_000, 1000), sonnet)).toBe(0.615);
    // 200001 × 6 + 1000 × 22.50 = 1222506 µ$
    expect(computeCost(usage(200_001, 1000), sonnet)).toBe(1.222506);
    // Cached tokens use the tier's cached price: 1 × 6 + 200000 × 0.60 + 0 = 120006 µ$
    expect(computeCost(usage(200_001, 0, { cacheRead: 200_000 }), sonnet)).toBe(0.120006);
  });

  it("picks the highest threshold exceeded; tier fields override only what they define", () => {
    const p: PriceEntry = {
      input: 1, output: 2, cached_input: 0.1, cache_write: 1.5,
      tiers: [
        { above_input_tokens: 1000, input: 3, output: 4 },
        { above_input_tokens: 100, input: 2 },
      ],
    };
    expect(effectivePrice(p, 100)).toEqual({ input: 1, cached_input: 0.1, cache_write: 1.5, cache_write_1h: 2, output: 2 });
    expect(effectivePrice(p, 101)).toEqual({ input: 2, cached_input: 0.1, cache_write: 1.5, cache_write_1h: 4, output: 2 });
    expect(effectivePrice(p, 1001)).toEqual({ input: 3, cached_input: 0.1, cache_write: 1.5, cache_write_1h: 6, output: 4 });
  });

  it("cache prices fall back to the input price when not listed (one-hour writes to twice it)", () => {
    expect(effectivePrice({ input: 2, output: 8 }, 10)).toEqual({ input: 2, cached_input: 2, cache_write: 2, cache_write_1h: 4, output: 8 });
  });

  it("has no float drift", () => {
    // 0.1 + 0.2 per token in floats is 0.30000000000000004
    const p: PriceEntry = { input: 100_000, output: 200_000 };
    expect(computeCost(usage(1, 1), p)).toBe(0.3);
    expect(computeCost(usage(3, 0), { input: 0.1, output: 0 })).toBe(3e-7);
  });

  it("tolerates nonsense usage without throwing", () => {
    const p = price("openai", "gpt-4o");
    expect(computeCost(usage(Number.NaN, -5), p)).toBe(0);
    // over-reported cache: uncached clamps at 0, the cache reads are still charged (100 × 1.25)
    expect(computeCost(usage(50, 0, { cacheRead: 100 }), p)).toBe(0.000125);
  });
});

describe("worstCaseCost", () => {
  it("charges every prompt token at the dearer of input and cache write, plus all output", () => {
    // 1000 × 3.75 + 500 × 15 = 11250 µ$ (an override without a one-hour price)
    expect(worstCaseCost(1000, 500, { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 })).toBe(0.01125);
    // gpt-4o: no cache-write price → input: 1000 × 2.5 + 500 × 10 = 7500 µ$
    expect(worstCaseCost(1000, 500, price("openai", "gpt-4o"))).toBe(0.0075);
  });

  it("counts the one-hour write rate where the price lists one", () => {
    // claude-sonnet-4-5 lists 6.00 for one-hour writes: 1000 × 6 + 500 × 15 = 13500 µ$
    expect(worstCaseCost(1000, 500, price("anthropic", "claude-sonnet-4-5"))).toBe(0.0135);
    // Not listed (an override without it): the fallback does not inflate the bound: 1000 × 1.25 = 1250 µ$
    expect(worstCaseCost(1000, 0, { input: 1, output: 2, cache_write: 1.25 })).toBe(0.00125);
  });
});

describe("priceUsage", () => {
  it("unpriced stays null, never 0", () => {
    expect(priceUsage(usage(10, 10), { priced: false, reason: "x" })).toEqual({ costUsd: null, unpriced: true, estimate: false });
  });
  it("carries the estimate flag", () => {
    const quote = catalog.lookup("openrouter", "openrouter", "openai/gpt-4o");
    expect(priceUsage(usage(1000, 200, { cacheRead: 400 }), quote)).toEqual({ costUsd: 0.004, unpriced: false, estimate: true });
  });
});
