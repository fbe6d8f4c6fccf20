import { describe, expect, it } from "vitest";
import { PriceCatalog } from "../accounting/price-catalog.js";
import { MAX_QUOTES, Pricing } from "./pricing.js";

describe("Pricing memos", () => {
  it("stay bounded however many provider/model names clients invent (context windows too)", () => {
    const pricing = new Pricing(PriceCatalog.fromConfig(), () => "openai");
    for (let i = 0; i <= MAX_QUOTES + 10; i++) {
      const deployment = { id: `openai/invented-${i}`, provider: "openai", model: `invented-${i}`, weight: 1, alias: undefined, retries: 0 };
      pricing.quote(deployment);
      pricing.contextWindowOf(deployment);
    }
    // The memos are private; their size is what a client could grow.
    const memos = pricing as unknown as { quotes: Map<string, unknown>; windows: Map<string, unknown> };
    expect(memos.quotes.size).toBeLessThanOrEqual(MAX_QUOTES);
    expect(memos.windows.size).toBeLessThanOrEqual(MAX_QUOTES);
  });

  it("still answers a context window after starting over", () => {
    const pricing = new Pricing(PriceCatalog.fromConfig(), () => "openai");
    const known = { id: "openai/gpt-4o", provider: "openai", model: "gpt-4o", weight: 1, alias: undefined, retries: 0 };
    const window = pricing.contextWindowOf(known);
    for (let i = 0; i <= MAX_QUOTES; i++) pricing.contextWindowOf({ ...known, id: `openai/x-${i}`, model: `x-${i}` });
    expect(pricing.contextWindowOf(known)).toBe(window);
  });
});
