/**
 * The Redis store while Redis is away: calls fail as an outage (not a bug), and
 * settles made meanwhile are applied once it is back, or reported at close.
 * Redis is taken away by cutting a TCP proxy in front of it.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../../test/helpers/tcp-proxy.js";
import { RedisStateStore, redisReachable } from "./redis-state.js";
import type { SettleLog } from "./settle-retry.js";
import { StateUnavailableError } from "./state-unavailable.js";

const REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const redisUp = await redisReachable(REDIS_URL);
const target = new URL(REDIS_URL);

function recordingLog(): SettleLog & { lines: Array<{ level: string; fields: object; message: string }> } {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields, message });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean | Promise<boolean>, ms = 8_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check()) && Date.now() < end) await sleep(20);
  expect(await check()).toBe(true);
}

describe.skipIf(!redisUp)("RedisStateStore during an outage", () => {
  const prefix = `sy-test-outage-${randomUUID()}:`;
  let admin: Redis;
  let proxy: TcpProxy;

  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
    proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
  });

  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
    await proxy.close();
  });

  afterEach(() => proxy.restore());

  const open = async (log: SettleLog, scope: string) => {
    const store = new RedisStateStore(`redis://127.0.0.1:${proxy.port}${target.pathname}`, `${prefix}${scope}:`, { log });
    await store.connect();
    return store;
  };

  it("keeps the settles made while Redis is away and applies them when it is back", async () => {
    const log = recordingLog();
    const store = await open(log, "a");
    const now = Date.now();
    for (let i = 0; i < 3; i++) expect((await store.reserveBudget("key", "total", 100, 1_000)).ok).toBe(true);
    await proxy.cut();

    // Requests finishing during the outage: their settles must not be lost.
    await Promise.all([store.settleBudget("key", "total", 100, 30), store.settleBudget("key", "total", 100, 20), store.addTokens("key", 42, now)]);
    const failure = await store.takeRequest("key", 60, now).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StateUnavailableError);
    expect(store.settlesWaiting).toBe(3);
    // One more finishes while the others wait: it queues behind them.
    await store.settleBudget("key", "total", 100, 10);
    await until(() => log.lines.some((line) => line.level === "warn"));
    expect(log.lines.filter((line) => line.level === "warn")).toHaveLength(1);
    expect(log.lines.find((line) => line.level === "warn")?.fields).toMatchObject({ waiting: expect.any(Number), reason: expect.stringMatching(/^state store unavailable: /) });
    await sleep(300);
    expect(log.lines.filter((line) => line.level === "warn")).toHaveLength(1); // once per outage, however many retries

    await proxy.restore();
    await until(() => store.settlesWaiting === 0);
    expect(await store.budgetUsage("key", "total")).toEqual({ spentMicros: 60, reservedMicros: 0 });
    expect((await store.checkTokens("key", 100, now)).remaining).toBe(58);
    expect(log.lines.at(-1)).toMatchObject({ level: "info", fields: { applied: 4 } });
    await store.close();
    expect(log.lines.filter((line) => line.level === "error")).toEqual([]);
  });

  it("tries the waiting settles once more at close and logs at error how many it could not apply", async () => {
    const log = recordingLog();
    const store = await open(log, "b");
    expect((await store.reserveBudget("key", "total", 100, 1_000)).ok).toBe(true);
    await proxy.cut();
    await Promise.all([store.settleBudget("key", "total", 100, 30), store.addTokens("key", 5, Date.now())]);
    expect(store.settlesWaiting).toBe(2);
    await store.close();
    expect(log.lines.filter((line) => line.level === "error")).toEqual([
      { level: "error", fields: { notApplied: 2 }, message: expect.stringContaining("2 budget and token settles not confirmed as applied") },
    ]);
    await proxy.restore();
  });

  it("applies the settles at close when Redis answers again by then", async () => {
    const log = recordingLog();
    const store = await open(log, "c");
    expect((await store.reserveBudget("key", "total", 100, 1_000)).ok).toBe(true);
    await proxy.cut();
    await store.settleBudget("key", "total", 100, 30);
    await proxy.restore();
    await store.close();
    expect(await admin.hgetall(`${prefix}c:budget:key:total`)).toEqual({ spent: "30", reserved: "0" });
    expect(log.lines.filter((line) => line.level === "error")).toEqual([]);
  });
});
