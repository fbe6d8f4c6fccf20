import { describe, expect, it } from "vitest";
import { renderUsage } from "./chat.js";

const usage = { input: { total: 42, cacheRead: 10, cacheWrite: 0 }, output: { total: 120, reasoning: 7 } };

describe("renderUsage", () => {
  it("canonical counts win, the upstream's extra fields and token details stay, cost is added when priced", () => {
    const upstream = {
      prompt_tokens: 1, completion_tokens: 2, total_tokens: 3,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 5 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 3, rejected_prediction_tokens: 1 },
      queue_time: 0.01, cost: 9,
    };
    expect(renderUsage(upstream, usage, { costUsd: 0.0012, unpriced: false, estimate: false })).toEqual({
      prompt_tokens: 42, completion_tokens: 120, total_tokens: 162,
      prompt_tokens_details: { cached_tokens: 10, audio_tokens: 5 },
      completion_tokens_details: { reasoning_tokens: 7, audio_tokens: 0, accepted_prediction_tokens: 3, rejected_prediction_tokens: 1 },
      queue_time: 0.01, cost: 0.0012,
    });
    expect(upstream.prompt_tokens).toBe(1);
    expect(upstream.prompt_tokens_details.cached_tokens).toBe(0);
  });

  it("never passes on an upstream's own cost figure: unpriced means no cost field", () => {
    const upstream = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, cost: 0.5, is_byok: false };
    const rendered = renderUsage(upstream, usage, { costUsd: null, unpriced: true, estimate: false });
    expect("cost" in rendered).toBe(false);
    expect((rendered as Record<string, unknown>).is_byok).toBe(false);
  });

  it("ignores token details that are not objects", () => {
    const upstream = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: null } as never;
    expect(renderUsage(upstream, usage, { costUsd: null, unpriced: true, estimate: false }).prompt_tokens_details).toEqual({ cached_tokens: 10 });
  });

  it("no cost field when unpriced, and no upstream usage at all is fine", () => {
    const rendered = renderUsage(null, usage, { costUsd: null, unpriced: true, estimate: false });
    expect(rendered).toEqual({
      prompt_tokens: 42, completion_tokens: 120, total_tokens: 162,
      prompt_tokens_details: { cached_tokens: 10 }, completion_tokens_details: { reasoning_tokens: 7 },
    });
    expect("cost" in rendered).toBe(false);
  });
});
