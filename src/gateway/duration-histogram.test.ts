import fc from "fast-check";
import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DurationHistogram } from "./duration-histogram.js";

const BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5];

describe("DurationHistogram", () => {
  it("renders exactly what prom-client's Histogram renders for the same observations", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ provider: fc.constantFrom("openai", "anthropic", "groq"), seconds: fc.oneof(fc.constantFrom(...BOUNDS, 0, 3), fc.double({ min: 0, max: 5, noNaN: true })) }), { maxLength: 60 }),
        async (observations) => {
          const ours = new Registry();
          const theirs = new Registry();
          const histogram = new DurationHistogram("t_seconds", "help text", BOUNDS, ours);
          const reference = new Histogram({ name: "t_seconds", help: "help text", labelNames: ["provider"], buckets: BOUNDS, registers: [theirs] });
          for (const { provider, seconds } of observations) {
            histogram.observe(provider, seconds);
            reference.observe({ provider }, seconds);
          }
          expect(await ours.metrics()).toBe(await theirs.metrics());
        },
      ),
      { numRuns: 200 },
    );
  });

  it("starts over on a registry reset", async () => {
    const registry = new Registry();
    const histogram = new DurationHistogram("t_seconds", "help text", BOUNDS, registry);
    histogram.observe("openai", 0.2);
    expect(await registry.metrics()).toContain('t_seconds_count{provider="openai"} 1');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain("openai");
  });
});
