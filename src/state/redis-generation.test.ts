/**
 * The Redis store noticing that Redis lost its data while it runs. A flush is played by deleting
 * this test's own keys (its prefix) from the shared Redis; a restart, by cutting a TCP proxy, or by
 * restarting a Redis server of the test's own (when redis-server is installed).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../../test/helpers/tcp-proxy.js";
import { CHECK_INTERVAL_MS, RedisGeneration } from "./redis-generation.js";
import { RedisStateStore, redisReachable } from "./redis-state.js";

const REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const redisUp = await redisReachable(REDIS_URL);
if (!redisUp) console.warn(`Redis not reachable at ${new URL(REDIS_URL).host}: skipping the tests of a loss of Redis data`);
const target = new URL(REDIS_URL);
/** A server of this test's own, restarted by it (ports 19600–19699 are this test's to use). */
const OWN_SERVER_PORT = 19_651;
const serverInstalled = await new Promise<boolean>((resolve) => {
  const probe = spawn("redis-server", ["--version"], { stdio: "ignore" });
  probe.on("error", () => resolve(false));
  probe.on("exit", (code) => resolve(code === 0));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean, ms = 8_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(10);
  expect(check()).toBe(true);
}

/** The loss checks a store announces: "pending", then their outcome. */
function recordChecks(store: { onLossCheck(listener: (lost: Promise<boolean>) => void): () => void }): Array<boolean | "pending"> {
  const outcomes: Array<boolean | "pending"> = [];
  store.onLossCheck((lost) => {
    const at = outcomes.push("pending") - 1;
    void lost.then((wasLost) => (outcomes[at] = wasLost));
  });
  return outcomes;
}
const losses = (outcomes: Array<boolean | "pending">) => outcomes.filter((outcome) => outcome === true).length;
const settledChecks = (outcomes: Array<boolean | "pending">) => outcomes.length > 0 && !outcomes.includes("pending");

describe.skipIf(!redisUp)("RedisStateStore noticing a loss of its data", () => {
  const prefix = `sy-test-generation-${randomUUID()}:`;
  let admin: Redis;
  let proxy: TcpProxy;
  const stores: RedisStateStore[] = [];

  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
    proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
  });

  afterAll(async () => {
    await proxy.restore();
    await Promise.all(stores.map((store) => store.close()));
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
    await proxy.close();
  });

  const open = async (url: string, scope: string) => {
    const store = new RedisStateStore(url, `${prefix}${scope}:`);
    stores.push(store);
    await store.connect();
    return store;
  };
  /** FLUSHDB for the keys of one scope of this test only. */
  const lose = async (scope: string) => {
    const keys = await admin.keys(`${prefix}${scope}:*`);
    if (keys.length > 0) await admin.del(...keys);
  };

  it("has every instance notice a flush for itself, once, well before a routine check", async () => {
    const [one, two] = [await open(REDIS_URL, "flush"), await open(REDIS_URL, "flush")];
    const checks = [recordChecks(one), recordChecks(two)];
    await one.raiseSpent("key", "total", 500);
    const started = Date.now();
    await lose("flush");
    await until(() => checks.every((outcomes) => losses(outcomes) === 1));
    expect(Date.now() - started).toBeLessThan(CHECK_INTERVAL_MS / 2);
    await sleep(200);
    expect(checks.map(losses)).toEqual([1, 1]);
    // Each found the same new generation: neither counts the other's as another loss.
    await sleep(CHECK_INTERVAL_MS + 200);
    expect(checks.map(losses)).toEqual([1, 1]);
  });

  it("checks at each reconnection, and finds a loss only when Redis came back without the data", async () => {
    const store = await open(`redis://127.0.0.1:${proxy.port}${target.pathname}`, "reconnect");
    const checks = recordChecks(store);
    await proxy.cut();
    await proxy.restore();
    await until(() => settledChecks(checks));
    expect(losses(checks)).toBe(0);

    await proxy.cut();
    await lose("reconnect");
    await proxy.restore();
    await until(() => losses(checks) === 1 && settledChecks(checks));
    await sleep(200);
    expect(losses(checks)).toBe(1);
  });

  it("without reports of flushes, the reconnection's own check finds Redis back empty", async () => {
    const redis = new Redis(`redis://127.0.0.1:${proxy.port}${target.pathname}`, { lazyConnect: true, enableOfflineQueue: false });
    redis.on("error", () => undefined);
    const generation = new RedisGeneration(redis, `${prefix}ready:generation`, { intervalMs: 60_000, watchFlushes: false });
    try {
      await redis.connect();
      await generation.start();
      const checks = recordChecks(generation);
      await proxy.cut();
      await lose("ready");
      await proxy.restore();
      await until(() => settledChecks(checks));
      expect(checks).toEqual([true]);
    } finally {
      generation.close();
      redis.disconnect();
    }
  });

  it("without reports of flushes, finds a loss at a routine check and says so then only", async () => {
    const redis = new Redis(REDIS_URL);
    const generation = new RedisGeneration(redis, `${prefix}routine:generation`, { intervalMs: 50, watchFlushes: false });
    try {
      await generation.start();
      const checks = recordChecks(generation);
      await sleep(300);
      expect(checks).toEqual([]);
      await lose("routine");
      await until(() => checks.length > 0);
      await sleep(300);
      expect(checks).toEqual([true]);
    } finally {
      generation.close();
      redis.disconnect();
    }
  });
});

describe.skipIf(!serverInstalled)("RedisStateStore and a Redis restarted from an older snapshot", () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-redis-generation-"));
  let server: ChildProcess | undefined;

  const startServer = async () => {
    server = spawn("redis-server", ["--port", String(OWN_SERVER_PORT), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    for (let i = 0; i < 100 && !(await redisReachable(`redis://127.0.0.1:${OWN_SERVER_PORT}`, 200)); i++) await sleep(20);
  };
  const stopServer = async () => {
    const exiting = server && server.exitCode === null ? new Promise((resolve) => server!.once("exit", resolve)) : undefined;
    server?.kill("SIGKILL");
    await exiting;
  };

  beforeAll(startServer);
  afterAll(async () => {
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts a restart of the server as a loss, though the snapshot kept the generation", async () => {
    const url = `redis://127.0.0.1:${OWN_SERVER_PORT}`;
    const store = new RedisStateStore(url, "sy:");
    const admin = new Redis(url);
    try {
      await store.connect();
      const checks = recordChecks(store);
      const marker = await admin.get("sy:generation");
      await admin.save();
      // Spent after the snapshot: gone once the server restarts from it.
      await store.raiseSpent("key", "total", 500);
      await stopServer();
      await startServer();
      await until(() => losses(checks) === 1 && settledChecks(checks));
      expect(await admin.get("sy:generation")).toBe(marker);
      expect(await store.budgetUsage("key", "total")).toEqual({ spentMicros: 0, reservedMicros: 0 });
    } finally {
      admin.disconnect();
      await store.close();
    }
  });
});
