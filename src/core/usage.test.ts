import { describe, expect, it } from "vitest";
import { usageFromAnthropic } from "../providers/anthropic/usage.js";
import { usageFromGemini } from "../providers/gemini/usage.js";
import { usageFromOpenAI } from "../providers/openai-usage.js";
import { reportedTokens } from "./usage.js";

const NOT_COUNTS = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e179, 2_000_000_000, "12", true, {}, []];

describe("reportedTokens", () => {
  it("reads absent counts as 0 and whole numbers in range as themselves", () => {
    expect(reportedTokens(undefined)).toBe(0);
    expect(reportedTokens(null)).toBe(0);
    expect(reportedTokens(0)).toBe(0);
    expect(reportedTokens(1_048_576)).toBe(1_048_576);
    expect(reportedTokens(1_000_000_000)).toBe(1_000_000_000);
  });

  it("reads anything else as -1: not a count", () => {
    for (const value of NOT_COUNTS) expect(reportedTokens(value), String(value)).toBe(-1);
  });
});

describe("an upstream's usage with a count that is not one is unreadable (the gateway then counts itself)", () => {
  it("OpenAI-like usage, in any field it reads", () => {
    const valid = { prompt_tokens: 12, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 1 } };
    expect(usageFromOpenAI(valid)).toEqual({ input: { total: 12, cacheRead: 4, cacheWrite: 0 }, output: { total: 5, reasoning: 1 } });
    for (const value of NOT_COUNTS) {
      expect(usageFromOpenAI({ ...valid, completion_tokens: value })).toBeUndefined();
      expect(usageFromOpenAI({ ...valid, prompt_tokens_details: { cached_tokens: value } })).toBeUndefined();
      expect(usageFromOpenAI({ ...valid, prompt_cache_hit_tokens: value })).toBeUndefined();
    }
  });

  it("Anthropic usage", () => {
    const valid = { input_tokens: 21, output_tokens: 17, cache_read_input_tokens: 2048, cache_creation_input_tokens: null };
    expect(usageFromAnthropic(valid)).toEqual({ input: { total: 2069, cacheRead: 2048, cacheWrite: 0 }, output: { total: 17, reasoning: 0 } });
    for (const value of NOT_COUNTS) {
      expect(usageFromAnthropic({ ...valid, output_tokens: value } as never)).toBeUndefined();
      expect(usageFromAnthropic({ ...valid, output_tokens_details: { thinking_tokens: value } } as never)).toBeUndefined();
      expect(usageFromAnthropic({ ...valid, cache_creation: { ephemeral_1h_input_tokens: value } } as never)).toBeUndefined();
    }
  });

  it("Anthropic usage keeps one-hour cache writes apart, when they fit in the writes", () => {
    const split = (fiveMinutes: number, oneHour: number) => ({
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: fiveMinutes + oneHour,
      cache_creation: { ephemeral_5m_input_tokens: fiveMinutes, ephemeral_1h_input_tokens: oneHour },
    });
    expect(usageFromAnthropic(split(300, 700))?.input).toEqual({ total: 1010, cacheRead: 0, cacheWrite: 1000, cacheWrite1h: 700 });
    expect(usageFromAnthropic(split(300, 0))?.input).toEqual({ total: 310, cacheRead: 0, cacheWrite: 300 });
    expect(usageFromAnthropic({ ...split(300, 700), cache_creation_input_tokens: 500 })?.input).toEqual({ total: 510, cacheRead: 0, cacheWrite: 500 });
  });

  it("Gemini usage metadata", () => {
    const valid = { promptTokenCount: 8, candidatesTokenCount: 17, thoughtsTokenCount: 3 };
    expect(usageFromGemini(valid)).toEqual({ input: { total: 8, cacheRead: 0, cacheWrite: 0 }, output: { total: 20, reasoning: 3 } });
    for (const value of NOT_COUNTS) expect(usageFromGemini({ ...valid, cachedContentTokenCount: value } as never)).toBeUndefined();
  });
});
