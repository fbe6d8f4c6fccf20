import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LuaScript } from "./lua-script.js";
import { RedisStateStore, describeRedisUrl, redisReachable } from "./redis-state.js";
import { checkTokensScript } from "./redis-scripts.js";
import { StateUnavailableError } from "./state-unavailable.js";
import { startTcpProxy } from "../../test/helpers/tcp-proxy.js";

const REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const redisUp = await redisReachable(REDIS_URL);
if (!redisUp) console.warn(`Redis not reachable at ${new URL(REDIS_URL).host}: skipping Redis state tests`);

describe("describeRedisUrl", () => {
  it("drops credentials", () => {
    expect(describeRedisUrl("redis://user:hunter2-secret@cache.internal:6380/2")).toBe("redis://cache.internal:6380/2");
    expect(describeRedisUrl("rediss://:pw@cache.internal")).toBe("rediss://cache.internal");
  });
});

describe("RedisStateStore connect", () => {
  it("fails with a clear message and no password when Redis is unreachable", async () => {
    const store = new RedisStateStore("redis://:hunter2-secret@127.0.0.1:1/0", "sy-test:", { redis: { connectTimeout: 500 } });
    const error = await store.connect().then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/^Cannot use the Redis state store at redis:\/\/127\.0\.0\.1:1\/0: .*ECONNREFUSED/);
    expect(error?.message).not.toContain("hunter2");
    await store.close();
  });
});

describe.skipIf(!redisUp)("RedisStateStore keys", () => {
  const prefix = `sy-test-${randomUUID()}:`;
  const now = Date.now();
  let admin: Redis;
  let store: RedisStateStore;

  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
    store = new RedisStateStore(REDIS_URL, prefix, { clock: () => now });
    await store.connect();
  });

  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
    await store.close();
  });

  it("namespaces every key under the prefix, each with a TTL fitting its lifetime", async () => {
    const day = new Date(now).toISOString().slice(0, 10);
    await store.reserveBudget("key-1", day, 10, 100);
    await store.reserveBudget("key-1", "total", 10, 100);
    await store.takeRequest("key-1", 60, now);
    await store.addTokens("key-1", 42, now);

    expect((await admin.keys(`${prefix}*`)).sort()).toEqual(
      [`${prefix}budget:key-1:${day}`, `${prefix}budget:key-1:total`, `${prefix}rpm:key-1`, `${prefix}tpm:key-1`, `${prefix}generation`].sort(),
    );
    // Never expires: its absence means the data went away (redis-generation.ts).
    expect(await admin.pttl(`${prefix}generation`)).toBe(-1);
    expect(await admin.hgetall(`${prefix}budget:key-1:${day}`)).toEqual({ reserved: "10" });

    const dayEnd = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
    const budgetTtl = await admin.pttl(`${prefix}budget:key-1:${day}`);
    expect(budgetTtl).toBeGreaterThan(dayEnd - now + 6 * 86_400_000);
    expect(budgetTtl).toBeLessThanOrEqual(dayEnd - now + 7 * 86_400_000);
    expect(await admin.pttl(`${prefix}budget:key-1:total`)).toBe(-1);

    const rpmTtl = await admin.pttl(`${prefix}rpm:key-1`);
    expect(rpmTtl).toBeGreaterThan(0);
    expect(rpmTtl).toBeLessThanOrEqual(1_000); // one request of 60/min = 1 s until the quota is full again
    const tpmTtl = await admin.pttl(`${prefix}tpm:key-1`);
    expect(tpmTtl).toBeGreaterThan(59_000);
    expect(tpmTtl).toBeLessThanOrEqual(61_000);
  });

  /**
   * Writes `scope`'s budget, listens to the store's loss checks, then does to this prefix's keys what
   * a flush does (FLUSHDB would reach the other tests' keys too). Returns the checks seen so far.
   */
  async function flushAfterWriting(scope: string): Promise<{ checks: Array<Promise<boolean>>; stop: () => void }> {
    await store.reserveBudget(scope, "total", 10, 100);
    const checks: Array<Promise<boolean>> = [];
    const stop = store.onLossCheck((lost) => checks.push(lost));
    await admin.del(`${prefix}budget:${scope}:total`, `${prefix}generation`);
    return { checks, stop };
  }

  it("reserves nothing against a budget it wrote that is gone (a flush not reported yet), and has the loss checked", async () => {
    const { checks, stop } = await flushAfterWriting("key-lost");
    try {
      expect(await store.reserveBudget("key-lost", "total", 10, 100)).toEqual({ ok: false, lost: true, spentMicros: 0, reservedMicros: 0 });
      expect(checks.length).toBeGreaterThanOrEqual(1);
      expect(await Promise.all(checks)).toContain(true);
      // Seeded again (here: nothing to seed), the key is asked afresh.
      expect(await store.reserveBudget("key-lost", "total", 10, 100)).toEqual({ ok: true, spentMicros: 0, reservedMicros: 10 });
    } finally {
      stop();
    }
  });

  it("forgets the budgets it wrote once a report of the loss came first, so their next reservation asks afresh", async () => {
    const { checks, stop } = await flushAfterWriting("key-reported");
    try {
      // Redis reports the marker's deletion (CLIENT TRACKING); else the routine check finds it within 2 s.
      for (let i = 0; i < 100 && checks.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await Promise.all(checks)).toContain(true);
      expect(await store.reserveBudget("key-reported", "total", 10, 100)).toEqual({ ok: true, spentMicros: 0, reservedMicros: 10 });
    } finally {
      stop();
    }
  });

  it("recovers when Redis no longer has a script cached (NOSCRIPT falls back to EVAL)", async () => {
    // A script nobody loaded has the same effect as a flushed cache, without touching other users of this Redis.
    const script = new LuaScript(`-- ${randomUUID()}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`);
    expect(await admin.script("EXISTS", script.sha)).toEqual([0]);
    const redis = new Redis(REDIS_URL);
    try {
      expect(await script.run(redis, [`${prefix}noscript`], ["5"])).toBe(5);
      expect(await admin.script("EXISTS", script.sha)).toEqual([1]);
      expect(await script.run(redis, [`${prefix}noscript`], ["2"])).toBe(7);
    } finally {
      await redis.quit();
    }
  });

  /** Counts the store's socket writes (chunks per write) until restored. */
  function countWrites() {
    const socket = (store as unknown as { redis: Redis }).redis.stream;
    const writes: number[] = [];
    const write = socket._write;
    const writev = socket._writev!;
    socket._write = function (this: typeof socket, ...args: Parameters<typeof write>) {
      writes.push(1);
      return write.apply(this, args);
    };
    socket._writev = function (this: typeof socket, ...args: Parameters<typeof writev>) {
      writes.push(args[0].length);
      return writev.apply(this, args);
    };
    const restore = () => {
      socket._write = write;
      socket._writev = writev;
    };
    return { writes, restore };
  }

  it("sends the commands asked in one turn in one socket write, and answers each", async () => {
    const { writes, restore } = countWrites();
    try {
      const [requests, tokens, budget] = await Promise.all([
        store.takeRequest("one-write", 60, now),
        store.checkTokens("one-write", 1_000, now),
        store.reserveBudget("one-write", "total", 5, 100),
      ]);
      expect(writes).toEqual([3]);
      expect([requests.allowed, tokens.allowed, budget.ok]).toEqual([true, true, true]);
      expect(budget.reservedMicros).toBe(5);
      // A later turn is a write of its own (a settle alone goes after a few milliseconds).
      await store.addTokens("one-write", 10, now);
      expect(writes).toEqual([3, 1]);
      expect((await store.checkTokens("one-write", 1_000, now)).remaining).toBe(990);
    } finally {
      restore();
    }
  });

  it("sends the commands of separate callbacks in one pass of the event loop in one write", async () => {
    const { writes, restore } = countWrites();
    try {
      // Two immediates queued together run in one check phase, each followed by its own ticks, like two requests read
      // in one poll. (Two setTimeout(0) calls may land a millisecond apart, in separate passes: node reads the clock anew.)
      const calls = await new Promise<Array<Promise<unknown>>>((resolve) => {
        const made: Array<Promise<unknown>> = [];
        setImmediate(() => made.push(store.takeRequest("one-pass-a", 60, now)));
        setImmediate(() => {
          made.push(store.takeRequest("one-pass-b", 60, now));
          resolve(made);
        });
      });
      await Promise.all(calls);
      expect(writes).toEqual([2]);
    } finally {
      restore();
    }
  });

  it("sends a settle with the next admission's write, before it", async () => {
    await store.reserveBudget("settle-later", "total", 100, 100);
    const { writes, restore } = countWrites();
    try {
      const settled = store.settleBudget("settle-later", "total", 100, 60);
      const tokens = store.addTokens("settle-later", 7, now);
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).toEqual([]); // nothing waits on them yet
      // The next admission carries them, settled first: the 60 spent leave room for 40, not 0.
      const reservation = await store.reserveBudget("settle-later", "total", 40, 100);
      await Promise.all([settled, tokens]);
      expect(writes).toEqual([3]);
      expect(reservation).toEqual({ ok: true, spentMicros: 60, reservedMicros: 40 });
      // A read on this instance sees a settle made just before it.
      void store.settleBudget("settle-later", "total", 40, 40);
      expect(await store.budgetUsage("settle-later", "total")).toEqual({ spentMicros: 100, reservedMicros: 0 });
    } finally {
      restore();
    }
  });

  it("answers a token check under the limit with the window's sum alone, and sends the buckets only for a refusal", async () => {
    const key = `${prefix}tpm:summed`;
    const second = Math.floor(now / 1000);
    await admin.hset(key, String(second - 70), "500", String(second - 2), "30", String(second - 1), "12");
    const oldest = second - 60;
    expect(await checkTokensScript.run(admin, [key], [String(oldest), "100", "0", String(second), "61000"])).toEqual([42, second - 1]);
    // The expired bucket was pruned; at the limit the live buckets follow the sum.
    expect(await admin.hlen(key)).toBe(2);
    const refused = (await checkTokensScript.run(admin, [key], [String(oldest), "42", "5", String(second), "61000"])) as unknown[];
    expect(await admin.hlen(key)).toBe(2); // a refusal reserves nothing
    expect(refused.slice(0, 2)).toEqual([42, second - 1]);
    expect(refused.slice(2).map(Number).sort((a, b) => a - b)).toEqual([12, 30, second - 2, second - 1].sort((a, b) => a - b));
    // The store's decisions from either reply: admitted with what is left, refused until the older bucket expires.
    expect(await store.checkTokens("summed", 100, now)).toMatchObject({ allowed: true, remaining: 58 });
    // An admission's reserve lands in its second, with the window's TTL.
    expect(await store.checkTokens("summed", 100, now, 8)).toMatchObject({ allowed: true, remaining: 50 });
    expect(await admin.hget(key, String(second))).toBe("8");
    expect(await admin.pttl(key)).toBeGreaterThan(59_000);
    await store.addTokens("summed", -8, now);
    const denied = await store.checkTokens("summed", 42, now);
    expect(denied).toMatchObject({ allowed: false, remaining: 0 });
    expect(denied.retryAfterMs).toBe((second - 2 + 61) * 1000 - now);
  });

  it("sees state written by another instance with the same prefix only", async () => {
    const sibling = new RedisStateStore(REDIS_URL, prefix);
    const stranger = new RedisStateStore(REDIS_URL, `${prefix}other:`);
    await Promise.all([sibling.connect(), stranger.connect()]);
    try {
      await store.reserveBudget("shared", "total", 70, 100);
      expect((await sibling.reserveBudget("shared", "total", 40, 100)).ok).toBe(false);
      expect((await stranger.reserveBudget("shared", "total", 40, 100)).ok).toBe(true);
    } finally {
      await Promise.all([sibling.close(), stranger.close()]);
    }
  });
});

describe.skipIf(!redisUp)("RedisStateStore when Redis stops answering on an open connection", () => {
  it("refuses request-path calls as unavailable after answerTimeoutMs instead of waiting for as long as the partition lasts", async () => {
    const target = new URL(REDIS_URL);
    const proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
    const prefix = `sy-test-${randomUUID()}:`;
    const store = new RedisStateStore(`redis://127.0.0.1:${proxy.port}${target.pathname}`, prefix, { answerTimeoutMs: 300 });
    const admin = new Redis(REDIS_URL);
    try {
      await store.connect();
      expect((await store.reserveBudget("k", "total", 10, 1_000)).ok).toBe(true);
      // The connection stays open but carries nothing: a frozen server or a partition without a reset.
      proxy.stallOpenConnections();
      const started = performance.now();
      for (const call of [store.reserveBudget("k", "total", 10, 1_000), store.takeRequest("k", 60, Date.now()), store.checkTokens("k", 1_000, Date.now(), 5), store.budgetUsage("k", "total")]) {
        await expect(call).rejects.toBeInstanceOf(StateUnavailableError);
      }
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await store.close();
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
      await proxy.close();
    }
  });
});
