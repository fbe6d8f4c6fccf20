import { describe, expect, it } from "vitest";
import { KeyCache } from "./key-cache.js";
import { newVirtualKey } from "./key-record.js";

describe("KeyCache", () => {
  it("expires found and missing entries on their own TTLs", () => {
    let clock = 0;
    const cache = new KeyCache({ ttlMs: 100, negativeTtlMs: 10, now: () => clock });
    const { key } = newVirtualKey({ name: "a" }, 0);
    cache.set(key.hash, key);
    cache.set("missing", undefined);
    expect(cache.get(key.hash)).toEqual({ hit: true, key });
    expect(cache.get("missing")).toEqual({ hit: true, key: undefined });
    clock = 10;
    expect(cache.get("missing")).toEqual({ hit: false });
    expect(cache.get(key.hash).hit).toBe(true);
    clock = 100;
    expect(cache.get(key.hash)).toEqual({ hit: false });
    expect(cache.size).toEqual({ found: 0, missing: 0 });
  });

  it("evicts the oldest entry of a full map, and only of that map", () => {
    const cache = new KeyCache({ maxEntries: 2 });
    const keys = [0, 1, 2].map(() => newVirtualKey({ name: "k" }, 0).key);
    for (const key of keys) cache.set(key.hash, key);
    for (let i = 0; i < 10; i++) cache.set(`garbage-${i}`, undefined);
    expect(cache.get(keys[0]!.hash).hit).toBe(false);
    expect(cache.get(keys[1]!.hash).hit).toBe(true);
    expect(cache.get(keys[2]!.hash).hit).toBe(true);
    expect(cache.size).toEqual({ found: 2, missing: 2 });
    cache.invalidate(keys[0]!.id); // evicted already: a no-op
    cache.invalidate(keys[1]!.id);
    expect(cache.get(keys[1]!.hash).hit).toBe(false);
  });

  it("a TTL of 0 disables caching", () => {
    const cache = new KeyCache({ ttlMs: 0, negativeTtlMs: 0 });
    const { key } = newVirtualKey({ name: "a" }, 0);
    cache.set(key.hash, key);
    cache.set("x", undefined);
    expect(cache.size).toEqual({ found: 0, missing: 0 });
  });
});
