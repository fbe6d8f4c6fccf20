import { describe, expect, it } from "vitest";
import type { Usage } from "../../core/usage.js";
import { cacheCreationOf, toAnthropicUsage } from "./usage.js";

// Canonical usage as providers/anthropic/usage.ts reads Anthropic's documented example with 1h writes.
const written = (cacheWrite1h?: number): Usage => ({
  input: { total: 21 + 2048 + 1200, cacheRead: 2048, cacheWrite: 1200, ...(cacheWrite1h !== undefined && { cacheWrite1h }) },
  output: { total: 17, reasoning: 0 },
});

describe("cacheCreationOf", () => {
  it("splits an Anthropic upstream's writes by lifetime; writes without a one-hour count are five-minute ones", () => {
    expect(cacheCreationOf(written(1000), "anthropic")).toEqual({ ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 1000 });
    expect(cacheCreationOf(written(), "anthropic")).toEqual({ ephemeral_5m_input_tokens: 1200, ephemeral_1h_input_tokens: 0 });
  });

  it("claims nothing for upstreams whose wire has no cache lifetimes", () => {
    expect(cacheCreationOf(written(), "openai")).toBeUndefined();
    expect(cacheCreationOf(written(), "gemini")).toBeUndefined();
    expect(cacheCreationOf(written(), undefined)).toBeUndefined();
  });
});

describe("toAnthropicUsage", () => {
  it("carries the split beside the totals only when given", () => {
    const wire = { prompt_tokens: 3269, completion_tokens: 17, total_tokens: 3286, prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 1200 } };
    const split = { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 1000 };
    expect(toAnthropicUsage(wire, split)).toEqual({ input_tokens: 21, output_tokens: 17, cache_creation_input_tokens: 1200, cache_read_input_tokens: 2048, cache_creation: split });
    expect(toAnthropicUsage(wire)).not.toHaveProperty("cache_creation");
  });
});
