import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { MemoryStateStore } from "./memory-state.js";
import { openStateStore } from "./open-state.js";
import { RedisStateStore, redisReachable } from "./redis-state.js";

const REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const redisUp = await redisReachable(REDIS_URL);
if (!redisUp) console.warn(`Redis not reachable at ${new URL(REDIS_URL).host}: skipping Redis state tests`);

describe("openStateStore", () => {
  it("opens the in-memory store for memory://", async () => {
    const store = await openStateStore("memory://");
    expect(store).toBeInstanceOf(MemoryStateStore);
    expect((await store.takeRequest("k", 1, 0)).allowed).toBe(true);
    await store.close();
  });

  it("names the supported schemes and never echoes the rest of the URL", async () => {
    await expect(openStateStore("postgres://admin:s3cret-pw@db/x")).rejects.toThrow(
      "Unsupported state.url scheme 'postgres:': expected memory:// or redis://host:port/db (rediss:// for TLS)",
    );
    await expect(openStateStore("localhost:6379")).rejects.toThrow(/scheme 'localhost:'/);
    await expect(openStateStore("")).rejects.toThrow("Unsupported state.url (no scheme)");
  });

  it("fails clearly when Redis is unreachable", async () => {
    await expect(openStateStore("redis://:hunter2-secret@127.0.0.1:1/0", { redis: { connectTimeout: 500 } })).rejects.toThrow(
      /^Cannot use the Redis state store at redis:\/\/127\.0\.0\.1:1\/0: (?!.*hunter2)/,
    );
  });

  it.skipIf(!redisUp)("opens a verified Redis store for redis://", async () => {
    const keyPrefix = `sy-test-${randomUUID()}:`;
    const store = await openStateStore(REDIS_URL, { keyPrefix });
    expect(store).toBeInstanceOf(RedisStateStore);
    expect((await store.reserveBudget("k", "total", 5, 10)).ok).toBe(true);
    await store.close();
    const admin = new Redis(REDIS_URL);
    expect(await admin.del(`${keyPrefix}budget:k:total`)).toBe(1);
    await admin.quit();
  });
});
