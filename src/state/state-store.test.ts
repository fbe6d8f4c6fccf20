/**
 * One contract, run against both stores. The Redis run uses two separate
 * connections ("instances") sharing one key prefix, so atomicity is tested
 * across clients, not just inside one event loop.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryStateStore } from "./memory-state.js";
import { RedisStateStore, redisReachable } from "./redis-state.js";
import type { StateStore } from "./state-store.js";

const REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const redisUp = await redisReachable(REDIS_URL);
if (!redisUp) console.warn(`Redis not reachable at ${new URL(REDIS_URL).host}: skipping Redis state tests`);

/** Two handles on the same state: for Redis, two connections; for memory, the same object. */
interface StorePair {
  first: StateStore;
  second: StateStore;
  close(): Promise<void>;
}

/** Deterministic randomness so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const integerBetween = (next: () => number, min: number, max: number): number => min + Math.floor(next() * (max - min + 1));

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0); // a whole second

function stateStoreContract(name: string, open: () => Promise<StorePair>, skip = false): void {
  describe.skipIf(skip)(`${name} StateStore`, () => {
    let pair: StorePair;
    let a: StateStore;
    let b: StateStore;
    beforeEach(async () => {
      pair = await open();
      a = pair.first;
      b = pair.second;
    });
    afterEach(async () => {
      await pair.close();
    });

    describe("budgets", () => {
      it("admits exactly up to the limit and leaves state untouched on refusal", async () => {
        expect(await a.budgetUsage("k", "total")).toEqual({ spentMicros: 0, reservedMicros: 0 });
        expect(await a.reserveBudget("k", "total", 600, 1_000)).toEqual({ ok: true, spentMicros: 0, reservedMicros: 600 });
        expect(await b.reserveBudget("k", "total", 401, 1_000)).toEqual({ ok: false, spentMicros: 0, reservedMicros: 600 });
        expect(await b.reserveBudget("k", "total", 400, 1_000)).toEqual({ ok: true, spentMicros: 0, reservedMicros: 1_000 });
        expect(await a.reserveBudget("k", "total", 0, 1_000)).toEqual({ ok: true, spentMicros: 0, reservedMicros: 1_000 });
        expect(await a.budgetUsage("k", "total")).toEqual({ spentMicros: 0, reservedMicros: 1_000 });
      });

      it("settles: releases the reservation and records the actual, even above it", async () => {
        await a.reserveBudget("k", "2026-11", 500, 10_000);
        await a.reserveBudget("k", "2026-11", 300, 10_000);
        await b.settleBudget("k", "2026-11", 500, 200);
        expect(await a.budgetUsage("k", "2026-11")).toEqual({ spentMicros: 200, reservedMicros: 300 });
        await b.settleBudget("k", "2026-11", 300, 450);
        expect(await a.budgetUsage("k", "2026-11")).toEqual({ spentMicros: 650, reservedMicros: 0 });
        // A settle for a reservation the store no longer holds must not create headroom.
        await a.settleBudget("k", "2026-11", 1_000, 0);
        expect(await a.budgetUsage("k", "2026-11")).toEqual({ spentMicros: 650, reservedMicros: 0 });
      });

      it("raiseSpent lifts the spend to a floor and never lowers it, so repeating it counts nothing twice", async () => {
        await a.reserveBudget("k", "2026-11", 300, 1_000);
        await a.raiseSpent("k", "2026-11", 600);
        await b.raiseSpent("k", "2026-11", 600);
        expect(await a.budgetUsage("k", "2026-11")).toEqual({ spentMicros: 600, reservedMicros: 300 });
        expect(await b.reserveBudget("k", "2026-11", 101, 1_000)).toMatchObject({ ok: false });
        await a.settleBudget("k", "2026-11", 300, 250);
        await b.raiseSpent("k", "2026-11", 700);
        expect(await a.budgetUsage("k", "2026-11")).toEqual({ spentMicros: 850, reservedMicros: 0 });
      });

      it("keeps scopes and periods apart", async () => {
        await a.reserveBudget("key-1", "2026-11-28", 100, 1_000);
        await a.settleBudget("key-1", "2026-11-28", 100, 100);
        expect(await b.budgetUsage("key-1", "2026-11-29")).toEqual({ spentMicros: 0, reservedMicros: 0 });
        expect(await b.budgetUsage("key-2", "2026-11-28")).toEqual({ spentMicros: 0, reservedMicros: 0 });
        expect(await b.budgetUsage("key-1", "2026-11-28")).toEqual({ spentMicros: 100, reservedMicros: 0 });
      });

      it("rejects amounts that are not integer micro-USD and periods with ':'", async () => {
        await expect(a.reserveBudget("k", "total", 1.5, 10)).rejects.toThrow(RangeError);
        await expect(a.reserveBudget("k", "total", -1, 10)).rejects.toThrow(RangeError);
        await expect(a.settleBudget("k", "total", 0, Number.NaN)).rejects.toThrow(RangeError);
        await expect(a.reserveBudget("k", "a:b", 1, 10)).rejects.toThrow(RangeError);
      });

      for (const seed of [1, 2, 3, 4, 5]) {
        it(`100 concurrent reservations never overspend (seed ${seed})`, async () => {
          const next = random(seed);
          const limit = integerBetween(next, 200_000, 2_000_000);
          const amounts = Array.from({ length: 100 }, () => integerBetween(next, 1, 60_000));
          const scope = `concurrent-${seed}`;
          const results = await Promise.all(
            amounts.map((amount, i) => (i % 2 === 0 ? a : b).reserveBudget(scope, "total", amount, limit)),
          );
          const admitted = amounts.filter((_, i) => results[i]!.ok);
          const reservedTotal = admitted.reduce((sum, x) => sum + x, 0);
          expect(reservedTotal).toBeLessThanOrEqual(limit);
          expect(await a.budgetUsage(scope, "total")).toEqual({ spentMicros: 0, reservedMicros: reservedTotal });
          // No spurious refusals: a refused amount did not fit even beside everything admitted.
          amounts.forEach((amount, i) => {
            if (!results[i]!.ok) expect(amount).toBeGreaterThan(limit - reservedTotal);
          });

          const actuals = admitted.map((amount) => integerBetween(next, 0, amount));
          await Promise.all(admitted.map((amount, i) => (i % 2 === 0 ? b : a).settleBudget(scope, "total", amount, actuals[i]!)));
          const spent = actuals.reduce((sum, x) => sum + x, 0);
          expect(await b.budgetUsage(scope, "total")).toEqual({ spentMicros: spent, reservedMicros: 0 });
          expect(spent).toBeLessThanOrEqual(limit);
        });
      }

      it("100 concurrent reserve→settle flows with actuals above their reservations: overshoot is only the under-reservation", async () => {
        const next = random(42);
        const limit = 1_000_000;
        const requests = Array.from({ length: 100 }, () => {
          const worstCase = integerBetween(next, 10_000, 50_000);
          return { estimate: integerBetween(next, 1, worstCase), actual: integerBetween(next, 0, worstCase), worstCase };
        });
        const outcomes = await Promise.all(
          requests.map(async (request, i) => {
            const store = i % 2 === 0 ? a : b;
            const reservation = await store.reserveBudget("flows", "total", request.estimate, limit);
            if (!reservation.ok) return { admitted: false, excess: 0, actual: 0 };
            await store.settleBudget("flows", "total", request.estimate, request.actual);
            return { admitted: true, excess: Math.max(0, request.actual - request.estimate), actual: request.actual };
          }),
        );
        const admitted = outcomes.filter((outcome) => outcome.admitted);
        const spent = admitted.reduce((sum, outcome) => sum + outcome.actual, 0);
        const usage = await a.budgetUsage("flows", "total");
        // Nothing lost or double counted across the two clients.
        expect(usage).toEqual({ spentMicros: spent, reservedMicros: 0 });
        expect(spent - limit).toBeLessThanOrEqual(admitted.reduce((sum, outcome) => sum + outcome.excess, 0));
        // Once spend passed the limit nothing more is admitted.
        if (spent >= limit) expect((await b.reserveBudget("flows", "total", 1, limit)).ok).toBe(false);
      });

      it("one request at a time with actuals up to the worst case overshoots by less than one worst case", async () => {
        const next = random(7);
        const limit = 300_000;
        let worst = 0;
        for (let i = 0; i < 100; i++) {
          const worstCase = integerBetween(next, 10_000, 50_000);
          worst = Math.max(worst, worstCase);
          const estimate = integerBetween(next, 1, worstCase);
          const store = i % 2 === 0 ? a : b;
          if (!(await store.reserveBudget("serial", "total", estimate, limit)).ok) continue;
          await store.settleBudget("serial", "total", estimate, integerBetween(next, estimate, worstCase));
        }
        const { spentMicros } = await a.budgetUsage("serial", "total");
        expect(spentMicros).toBeGreaterThan(limit - 50_000);
        expect(spentMicros - limit).toBeLessThan(worst);
      });
    });

    describe("requests per minute (GCRA)", () => {
      it("admits exactly N at once, then refuses with a retry-after until the quota refills", async () => {
        const decisions = [];
        for (let i = 0; i < 5; i++) decisions.push(await (i % 2 ? a : b).takeRequest("rpm", 5, T0));
        expect(decisions.map((d) => [d.allowed, d.remaining, d.retryAfterMs])).toEqual([
          [true, 4, 0],
          [true, 3, 0],
          [true, 2, 0],
          [true, 1, 0],
          [true, 0, 0],
        ]);
        expect(decisions[4]!.resetMs).toBe(60_000);
        const refused = await a.takeRequest("rpm", 5, T0);
        expect(refused).toEqual({ allowed: false, limit: 5, remaining: 0, resetMs: 60_000, retryAfterMs: 12_000 });
        // Refusals consume nothing.
        expect(await b.takeRequest("rpm", 5, T0 + 11_999)).toMatchObject({ allowed: false, retryAfterMs: 1 });
        expect(await a.takeRequest("rpm", 5, T0 + 12_000)).toMatchObject({ allowed: true, remaining: 0, resetMs: 60_000 });
        expect(await b.takeRequest("rpm", 5, T0 + 12_000)).toMatchObject({ allowed: false, retryAfterMs: 12_000 });
        // A full minute after the last admission the whole quota is back.
        for (let i = 0; i < 5; i++) expect((await a.takeRequest("rpm", 5, T0 + 72_000)).allowed).toBe(true);
        expect((await a.takeRequest("rpm", 5, T0 + 72_000)).allowed).toBe(false);
      });

      it("admits exactly N per minute in steady state", async () => {
        const admittedPerMinute = new Array<number>(10).fill(0);
        for (let t = 0; t < 10 * 60_000; t += 500) {
          const decision = await (t % 1_000 ? a : b).takeRequest("steady", 5, T0 + t);
          if (decision.allowed) admittedPerMinute[Math.floor(t / 60_000)]! += 1;
          else expect(decision.retryAfterMs).toBeGreaterThan(0);
        }
        // GCRA: the first minute holds the initial burst (N) plus the refill (N-1); every later minute exactly N.
        expect(admittedPerMinute).toEqual([9, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
      });

      it("handles limits that do not divide a minute without exceeding them", async () => {
        let admitted = 0;
        for (let i = 0; i < 10; i++) if ((await a.takeRequest("odd", 7, T0)).allowed) admitted += 1;
        expect(admitted).toBe(7);
        const refused = await b.takeRequest("odd", 7, T0);
        expect(refused.retryAfterMs).toBe(8_572); // 60 s / 7, rounded up
        expect((await b.takeRequest("odd", 7, T0 + 60_000)).allowed).toBe(true);
      });

      it("stays exact under concurrent calls from two clients", async () => {
        const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).takeRequest("burst", 25, T0)));
        expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
        expect(decisions.filter((d) => d.allowed).map((d) => d.remaining).sort((x, y) => x - y)).toEqual(
          Array.from({ length: 25 }, (_, i) => i),
        );
      });

      it("keeps scopes apart and validates the limit", async () => {
        expect((await a.takeRequest("one", 1, T0)).allowed).toBe(true);
        expect((await a.takeRequest("one", 1, T0)).allowed).toBe(false);
        expect((await a.takeRequest("two", 1, T0)).allowed).toBe(true);
        await expect(a.takeRequest("one", 0, T0)).rejects.toThrow(RangeError);
        await expect(a.takeRequest("one", 2.5, T0)).rejects.toThrow(RangeError);
      });
    });

    describe("tokens per minute (sliding 60 s window, 1 s buckets)", () => {
      it("admits below the limit, refuses at it, and frees tokens as their second leaves the window", async () => {
        expect(await a.checkTokens("tpm", 1_000, T0)).toEqual({ allowed: true, limit: 1_000, remaining: 1_000, resetMs: 0, retryAfterMs: 0 });
        await a.addTokens("tpm", 600, T0 + 400);
        expect(await b.checkTokens("tpm", 1_000, T0 + 500)).toEqual({ allowed: true, limit: 1_000, remaining: 400, resetMs: 60_500, retryAfterMs: 0 });
        await b.addTokens("tpm", 500, T0 + 10_000);
        const refused = await a.checkTokens("tpm", 1_000, T0 + 10_000);
        expect(refused).toEqual({ allowed: false, limit: 1_000, remaining: 0, resetMs: 61_000, retryAfterMs: 51_000 });
        expect((await a.checkTokens("tpm", 1_000, T0 + 60_999)).allowed).toBe(false);
        expect(await b.checkTokens("tpm", 1_000, T0 + 61_000)).toMatchObject({ allowed: true, remaining: 500 });
        expect(await a.checkTokens("tpm", 1_000, T0 + 71_000)).toMatchObject({ allowed: true, remaining: 1_000, resetMs: 0 });
      });

      it("refuses exactly at the limit and waits for enough of the oldest usage to expire", async () => {
        await a.addTokens("edge", 300, T0);
        await a.addTokens("edge", 300, T0 + 1_000);
        await b.addTokens("edge", 400, T0 + 2_000);
        expect(await a.checkTokens("edge", 1_000, T0 + 2_000)).toMatchObject({ allowed: false, retryAfterMs: 59_000 });
        // Dropping the first second's bucket is enough (700 < 1000).
        expect((await a.checkTokens("edge", 1_000, T0 + 61_000)).remaining).toBe(300);
        expect(await a.checkTokens("edge", 500, T0 + 2_000)).toMatchObject({ allowed: false, retryAfterMs: 60_000 });
      });

      it("sums concurrent additions from two clients", async () => {
        await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).addTokens("sum", 7, T0 + i * 10)));
        expect((await a.checkTokens("sum", 10_000, T0 + 500)).remaining).toBe(10_000 - 350);
      });

      it("ignores zero and rejects invalid token counts", async () => {
        await a.addTokens("zero", 0, T0);
        expect((await a.checkTokens("zero", 10, T0)).remaining).toBe(10);
        await expect(a.addTokens("zero", 1.5, T0)).rejects.toThrow(RangeError);
        await expect(a.checkTokens("zero", 10, T0, -1)).rejects.toThrow(RangeError);
        await expect(a.checkTokens("zero", 10, T0, 2.5)).rejects.toThrow(RangeError);
      });

      it("records an admission's reserve with its check, so admissions at once see each other's", async () => {
        const decisions = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).checkTokens("reserve", 1_000, T0 + 100, 300)));
        // 0, 300, 600 and 900 are under the limit; the rest see 1,200.
        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(4);
        expect(decisions.map((decision) => decision.remaining).sort((x, y) => x - y)).toEqual([-200, 0, 0, 0, 0, 0, 0, 100, 400, 700]);
        expect(decisions.find((decision) => decision.allowed)?.resetMs).toBe(60_900);
        // A refusal recorded nothing: the window holds the four reservations.
        expect((await a.checkTokens("reserve", 10_000, T0 + 200)).remaining).toBe(10_000 - 1_200);
      });

      it("gives back the part of a reservation a request did not use, in the reservation's second", async () => {
        await a.checkTokens("settle", 1_000, T0, 900);
        expect((await b.checkTokens("settle", 1_000, T0 + 5_000, 0)).remaining).toBe(100);
        await b.addTokens("settle", 150 - 900, T0);
        expect((await a.checkTokens("settle", 1_000, T0 + 5_000)).remaining).toBe(850);
        // The settled 150 leave the window with the reservation's second.
        expect((await a.checkTokens("settle", 1_000, T0 + 61_000)).remaining).toBe(1_000);
      });
    });
  });
}

stateStoreContract("memory", async () => {
  const store = new MemoryStateStore();
  return { first: store, second: store, close: () => store.close() };
});

const prefixes: string[] = [];
stateStoreContract(
  "Redis",
  async () => {
    const prefix = `sy-test-${randomUUID()}:`;
    prefixes.push(prefix);
    const first = new RedisStateStore(REDIS_URL, prefix);
    const second = new RedisStateStore(REDIS_URL, prefix);
    await Promise.all([first.connect(), second.connect()]);
    return { first, second, close: async () => void (await Promise.all([first.close(), second.close()])) };
  },
  !redisUp,
);

afterAll(async () => {
  if (!redisUp || prefixes.length === 0) return;
  const admin = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  await admin.quit();
});
