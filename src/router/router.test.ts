import { describe, expect, it } from "vitest";
import { GatewayError } from "../core/errors.js";
import type { RouterClock } from "./clock.js";
import type { AliasRoute, Deployment, RouteTable } from "./plan.js";
import { MAX_FALLBACK_MODELS, Router, type RouteRequest } from "./router.js";

function fakeClock(start = 1_000_000): RouterClock & { advance(ms: number): void; slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
    slept,
  };
}

function table(aliases: Record<string, Partial<AliasRoute> & Pick<AliasRoute, "deployments">>, providers = ["a", "b", "c"]): RouteTable {
  const map = new Map<string, AliasRoute>();
  for (const [name, route] of Object.entries(aliases)) {
    map.set(name, { strategy: "ordered", fallbacks: [], contextWindowFallbacks: [], retries: 2, ...route });
  }
  return { aliases: map, providers: new Set(providers), declaredModels: new Map() };
}

const request = (model: string, extra: Partial<RouteRequest> = {}): RouteRequest => ({ model, tags: [], promptTokens: () => 100, stream: false, ...extra });
const ids = (plan: { deployments: Deployment[] }) => plan.deployments.map((d) => d.id);
const never = new AbortController().signal;

const fail = (kind: ConstructorParameters<typeof GatewayError>[0], status?: number, retryAfterSeconds?: number) =>
  new GatewayError(kind, "failed", { upstreamStatus: status, retryAfterSeconds });

describe("plans", () => {
  const routes = table({
    smart: { deployments: [{ provider: "a", model: "m1" }, { provider: "b", model: "m2" }], fallbacks: ["cheap"] },
    cheap: { deployments: [{ provider: "c", model: "m3" }], fallbacks: ["smart"] },
  });

  it("expands fallbacks recursively without cycles", () => {
    expect(ids(new Router(routes).plan(request("smart")))).toEqual(["a/m1", "b/m2", "c/m3"]);
    expect(ids(new Router(routes).plan(request("cheap")))).toEqual(["c/m3", "a/m1", "b/m2"]);
  });

  it("routes provider/model directly and appends OpenRouter-style models", () => {
    expect(ids(new Router(routes).plan(request("b/x", { models: ["cheap", "b/x"] })))).toEqual(["b/x", "c/m3", "a/m1", "b/m2"]);
  });

  it("applies provider preferences", () => {
    const router = new Router(routes);
    expect(ids(router.plan(request("smart", { provider: { order: ["c", "b"] } })))).toEqual(["c/m3", "b/m2", "a/m1"]);
    expect(ids(router.plan(request("smart", { provider: { order: ["b"], allow_fallbacks: false } })))).toEqual(["b/m2"]);
    // Without a list of providers, OpenRouter's meaning: the primary provider only.
    expect(ids(router.plan(request("smart", { provider: { allow_fallbacks: false } })))).toEqual(["a/m1"]);
    expect(ids(router.plan(request("smart", { provider: { allow_fallbacks: false, only: ["a", "c"] } })))).toEqual(["a/m1", "c/m3"]);
    expect(ids(router.plan(request("smart", { provider: { only: ["a", "c"] } })))).toEqual(["a/m1", "c/m3"]);
    expect(ids(router.plan(request("smart", { provider: { ignore: ["a"] } })))).toEqual(["b/m2", "c/m3"]);
    expect(() => router.plan(request("smart", { provider: { only: ["zzz"] } }))).toThrow(/provider' preferences/);
  });

  it("sorts by price and drops deployments over max_price", () => {
    const prices: Record<string, { input: number; output: number }> = { "a/m1": { input: 3, output: 15 }, "b/m2": { input: 0.15, output: 0.6 } };
    const router = new Router(routes, {
      prices: { pricesOf: (d) => prices[d.id], costOf: (d, tokens) => (prices[d.id] ? (tokens.prompt * prices[d.id]!.input + tokens.output * prices[d.id]!.output) / 1e6 : undefined) },
    });
    expect(ids(router.plan(request("smart", { provider: { sort: "price" } })))).toEqual(["b/m2", "a/m1", "c/m3"]);
    expect(ids(router.plan(request("smart", { provider: { max_price: { prompt: 1 } } })))).toEqual(["b/m2"]);
  });

  it("tag rules pick another alias by tag or prompt size", () => {
    const router = new Router(routes, {
      tagRules: [
        { tags: ["summarize", "classify"], model: "cheap" },
        { min_prompt_tokens: 5000, from: ["smart"], model: "b/long" },
      ],
    });
    expect(router.plan(request("smart", { tags: ["classify"] })).model).toBe("cheap");
    expect(router.plan(request("smart", { promptTokens: () => 9000 })).model).toBe("b/long");
    expect(router.plan(request("cheap", { promptTokens: () => 9000 })).model).toBe("cheap");
    expect(router.plan(request("smart")).model).toBe("smart");
  });

  it("leaves out deployments whose context window is too small", () => {
    const windows: Record<string, number> = { "a/m1": 8_000, "b/m2": 128_000 };
    const router = new Router(routes, { contextWindowOf: (d) => windows[d.id] });
    expect(ids(router.plan(request("smart", { promptTokens: () => 20_000 })))).toEqual(["b/m2", "c/m3"]);
  });
});

describe("strategies", () => {
  it("weighted spreads exactly by weight (smooth round-robin)", () => {
    const router = new Router(table({ w: { strategy: "weighted", deployments: [{ provider: "a", model: "x", weight: 3 }, { provider: "b", model: "y", weight: 1 }] } }));
    const firsts = Array.from({ length: 400 }, () => router.plan(request("w")).deployments[0]!.id);
    expect(firsts.filter((id) => id === "a/x").length).toBe(300);
    expect(firsts.slice(0, 4).sort()).toEqual(["a/x", "a/x", "a/x", "b/y"]);
  });

  it("least-busy prefers the deployment with the fewest requests in flight", async () => {
    const router = new Router(table({ l: { strategy: "least-busy", deployments: [{ provider: "a", model: "x" }, { provider: "b", model: "y" }] } }));
    const gates: Array<() => void> = [];
    const started: string[] = [];
    const runs = Array.from({ length: 6 }, () => {
      const plan = router.plan(request("l", { stream: false }));
      return router.run(plan, (d) => {
        started.push(d.id);
        return new Promise<void>((resolve) => gates.push(resolve));
      }, never, false);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.filter((id) => id === "a/x").length).toBe(3);
    expect(started.filter((id) => id === "b/y").length).toBe(3);
    gates.forEach((open) => open());
    await Promise.all(runs);
    expect(router.health.get("a/x").inFlight).toBe(0);
  });

  it("lowest-latency measures each, then prefers the fastest", async () => {
    const clock = fakeClock();
    const router = new Router(table({ f: { strategy: "lowest-latency", deployments: [{ provider: "a", model: "slow" }, { provider: "b", model: "fast" }] } }), { clock });
    const latency: Record<string, number> = { "a/slow": 900, "b/fast": 100 };
    for (let i = 0; i < 4; i++) {
      const plan = router.plan(request("f"));
      await router.run(plan, async (d) => clock.advance(latency[d.id]!), never, false);
    }
    expect(router.plan(request("f")).deployments[0]!.id).toBe("b/fast");
  });

  it("lowest-cost picks the cheapest priced deployment", () => {
    // a/x: cheap input, dear output; b/y: the reverse. Which is cheaper depends on the request's tokens.
    const prices: Record<string, { input: number; output: number }> = { "a/x": { input: 0.1, output: 10 }, "b/y": { input: 5, output: 0.5 } };
    const router = new Router(table({ c: { strategy: "lowest-cost", deployments: [{ provider: "a", model: "x" }, { provider: "b", model: "y" }, { provider: "c", model: "unpriced" }] } }), {
      prices: { pricesOf: (d) => prices[d.id], costOf: (d, t) => (prices[d.id] ? t.prompt * prices[d.id]!.input + t.output * prices[d.id]!.output : undefined) },
    });
    expect(ids(router.plan(request("c", { promptTokens: () => 10, maxOutputTokens: 1000 })))).toEqual(["b/y", "a/x", "c/unpriced"]);
    expect(ids(router.plan(request("c", { promptTokens: () => 100_000, maxOutputTokens: 10 })))).toEqual(["a/x", "b/y", "c/unpriced"]);
  });
});

describe("retries, backoff and cooldown", () => {
  const routes = table({ s: { deployments: [{ provider: "a", model: "x" }, { provider: "b", model: "y" }], retries: 2 } });

  it("retries retryable errors with jittered backoff, never sooner than Retry-After", async () => {
    const clock = fakeClock();
    const router = new Router(routes, { clock, backoff: { baseMs: 100, maxMs: 1000, maxWaitMs: 10_000 } });
    let calls = 0;
    const result = await router.run(router.plan(request("s")), async (d) => {
      calls++;
      if (calls === 1) throw fail("upstream_unavailable", 503);
      if (calls === 2) throw fail("upstream_unavailable", 503, 3);
      return d.id;
    }, never, false);
    expect(result.value).toBe("a/x");
    expect(clock.slept).toEqual([50, 3000]); // 0.5 × 100 ms, then Retry-After 3 s beats 0.5 × 200 ms
  });

  it("an upstream 404 from every deployment of an alias is the gateway's failure (502); of a client's provider/model, a 404", async () => {
    const router = new Router(routes, { clock: fakeClock() });
    const notFound = async () => {
      throw new GatewayError("not_found", "The model `x` does not exist", { upstreamStatus: 404, code: "model_not_found" });
    };
    await expect(router.run(router.plan(request("s")), notFound, never, false)).rejects.toMatchObject({
      kind: "upstream_error",
      status: 502,
      code: "deployment_not_found",
      message: "Provider 'b' does not serve model 'y' (alias 's'; HTTP 404): The model `x` does not exist",
      attempts: [expect.anything(), expect.anything()],
    });
    await expect(router.run(router.plan(request("a/x")), notFound, never, false)).rejects.toMatchObject({ kind: "not_found", status: 404, code: "model_not_found" });
  });

  it("keeps a deployment that answered 503 with a long Retry-After out of rotation until then", async () => {
    const clock = fakeClock();
    const router = new Router(routes, { clock, backoff: { baseMs: 100, maxMs: 1000, maxWaitMs: 5_000 } });
    await router.run(router.plan(request("s")), async (d) => {
      if (d.id === "a/x") throw fail("upstream_unavailable", 503, 120);
      return d.id;
    }, never, false);
    expect(ids(router.plan(request("s")))).toEqual(["b/y", "a/x"]);
    clock.advance(120_001);
    expect(ids(router.plan(request("s")))).toEqual(["a/x", "b/y"]);
  });

  it("moves on at once when Retry-After is longer than the wait cap, and skips until then", async () => {
    const clock = fakeClock();
    const router = new Router(routes, { clock, backoff: { baseMs: 100, maxMs: 1000, maxWaitMs: 5_000 } });
    const seen: string[] = [];
    await router.run(router.plan(request("s")), async (d) => {
      seen.push(d.id);
      if (d.id === "a/x") throw fail("rate_limit", 429, 60);
      return d.id;
    }, never, false);
    expect(seen).toEqual(["a/x", "b/y"]);
    expect(ids(router.plan(request("s")))).toEqual(["b/y", "a/x"]);
    clock.advance(60_001);
    expect(ids(router.plan(request("s")))).toEqual(["a/x", "b/y"]);
  });

  it("puts a deployment in cooldown after consecutive failures, doubling, and recovers", async () => {
    const clock = fakeClock();
    const router = new Router(routes, { clock, cooldown: { failures: 3, initialMs: 30_000, maxMs: 100_000 } });
    const failA = async (d: Deployment) => {
      if (d.id === "a/x") throw fail("timeout");
      return d.id;
    };
    for (let i = 0; i < 3; i++) await router.run(router.plan(request("s")), failA, never, false);
    expect(router.health.get("a/x").cooldownUntil).toBe(clock.now() + 30_000);
    expect(ids(router.plan(request("s")))[0]).toBe("b/y");
    clock.advance(30_001);
    expect(ids(router.plan(request("s")))[0]).toBe("a/x");
    for (let i = 0; i < 3; i++) await router.run(router.plan(request("s")), failA, never, false);
    expect(router.health.get("a/x").cooldownUntil).toBe(clock.now() + 60_000);
    clock.advance(60_001);
    await router.run(router.plan(request("s")), async (d) => d.id, never, false);
    expect(router.health.get("a/x")).toMatchObject({ consecutiveFailures: 0, cooldowns: 0 });
  });

  it("never retries a 400 and never fails over on it", async () => {
    const router = new Router(routes, { clock: fakeClock() });
    let calls = 0;
    await expect(router.run(router.plan(request("s")), async () => {
      calls++;
      throw fail("bad_request", 400);
    }, never, false)).rejects.toMatchObject({ kind: "bad_request", attempts: [expect.anything()] });
    expect(calls).toBe(1);
  });

  it("keeps an unexpected failure's cause (for the log) when it gives up", async () => {
    const router = new Router(routes, { clock: fakeClock() });
    const bug = new TypeError("Cannot read properties of null");
    const failure = await router.run(router.plan(request("s")), async () => {
      throw bug;
    }, never, false).catch((error: unknown) => error);
    expect(failure).toMatchObject({ kind: "internal", status: 500, cause: bug });
  });
});

describe("health carried over to a new router (config reload)", () => {
  it("keeps failures and cooldowns but applies the new cooldown policy", async () => {
    const routes = table({ s: { deployments: [{ provider: "a", model: "x" }, { provider: "b", model: "y" }], retries: 0 } });
    const clock = fakeClock();
    const before = new Router(routes, { clock, cooldown: { failures: 3, initialMs: 30_000, maxMs: 300_000 } });
    const failA = async (d: Deployment) => {
      if (d.id === "a/x") throw fail("upstream_error", 500);
      return d.id;
    };
    await before.run(before.plan(request("s")), failA, never, false);
    const after = new Router(routes, { clock, health: before.health, cooldown: { failures: 2, initialMs: 5_000, maxMs: 5_000 } });
    expect(after.health.get("a/x").consecutiveFailures).toBe(1);
    await after.run(after.plan(request("s")), failA, never, false);
    expect(after.health.get("a/x").cooldownUntil).toBe(clock.now() + 5_000);
  });
});

describe("OpenRouter-style `models` fallbacks", () => {
  const routes: RouteTable = { ...table({ smart: { deployments: [{ provider: "a", model: "m1" }] } }), disabledProviders: new Set(["off"]) };

  it("refuses an unbounded list (each entry may cost several upstream calls)", () => {
    const models = Array.from({ length: MAX_FALLBACK_MODELS + 1 }, (_, i) => `b/m${i}`);
    expect(() => new Router(routes).plan(request("smart", { models }))).toThrow(expect.objectContaining({ kind: "bad_request", param: "models", code: "too_many_models" }));
    expect(ids(new Router(routes).plan(request("smart", { models: models.slice(1) })))).toHaveLength(MAX_FALLBACK_MODELS + 1);
  });

  it("names `models` when one of them does not exist", () => {
    expect(() => new Router(routes).plan(request("smart", { models: ["nonexistent"] }))).toThrow(expect.objectContaining({ kind: "not_found", param: "models" }));
    expect(() => new Router(routes).plan(request("nonexistent", { models: ["smart"] }))).toThrow(expect.objectContaining({ kind: "not_found", param: "model" }));
  });

  it("passes over a fallback, or the model, whose provider is disabled while another can serve", () => {
    expect(ids(new Router(routes).plan(request("smart", { models: ["off/x", "b/y"] })))).toEqual(["a/m1", "b/y"]);
    expect(ids(new Router(routes).plan(request("off/x", { models: ["smart"] })))).toEqual(["a/m1"]);
    expect(() => new Router(routes).plan(request("off/x", { models: ["off/y"] }))).toThrow(expect.objectContaining({ code: "provider_disabled" }));
  });
});
