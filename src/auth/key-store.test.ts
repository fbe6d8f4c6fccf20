/** The contract every KeyStore meets, run against every implementation (PostgreSQL when the test server is reachable). */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { postgresAvailable, testSchemas } from "../../test/helpers/postgres.js";
import type { KeyStore } from "./key-store.js";
import { MemoryKeyStore } from "./memory-key-store.js";
import { PostgresKeyStore } from "./postgres-key-store.js";
import { openSqlite, type SqliteDatabase } from "../storage/sqlite.js";
import { SqliteKeyStore } from "./sqlite-key-store.js";
import { hashSecret, type VirtualKey } from "./virtual-key.js";

const INJECTIONS = [
  "'; DROP TABLE virtual_keys; --",
  "Robert'); DELETE FROM virtual_keys WHERE ('1'='1",
  "\" OR 1=1 --",
  "x' UNION SELECT * FROM auth_migrations --",
  "%' OR hash LIKE '%",
  "\u0000nul byte",
];

let databases: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of databases) db.close();
  databases = [];
});

interface Capabilities {
  /** Whether text fields may hold U+0000 (PostgreSQL text cannot: such a name is refused with a 400). */
  nulInText: boolean;
}

const stores: Array<[string, (now: () => number) => KeyStore | Promise<KeyStore>, Capabilities]> = [
  ["MemoryKeyStore", (now) => new MemoryKeyStore({ now }), { nulInText: true }],
  ["SqliteKeyStore", (now) => {
    const db = openSqlite();
    databases.push(db);
    return new SqliteKeyStore(db, { now });
  }, { nulInText: true }],
];

const schemas = testSchemas();
afterAll(() => schemas.dropAll());
if (await postgresAvailable()) {
  stores.push(["PostgresKeyStore", async (now) => {
    const store = await PostgresKeyStore.open((await schemas.create()).pool(), { now, onError: (e) => console.error("KEYSTORE ERROR", e) });
    schemas.onCleanup(async () => {
      await store.flush();
      store.close();
    });
    return store;
  }, { nulInText: false }]);
}

describe.each(stores)("%s", (_name, makeStore, capabilities) => {
  let clock = 1_000;
  const now = () => clock;

  it("creates keys and finds them by hash and id", async () => {
    const store = await makeStore(now);
    const { key, secret } = store.create({ name: "ci", models: ["smart"], rpm: 10, budget_usd: 2.5, metadata: { team: "a", n: 1, on: true }, log_prompts: true });
    expect(key.hash).toBe(hashSecret(secret));
    expect(key).toMatchObject({ name: "ci", models: ["smart"], rpm: 10, tpm: null, budget_usd: 2.5, budget_period: "monthly", metadata: { team: "a", n: 1, on: true }, log_prompts: true, created_at: 1000, revoked_at: null });
    expect(store.findByHash(key.hash)).toEqual(key);
    expect(store.get(key.id)).toEqual(key);
    expect(store.findByHash(hashSecret("sk-sy-other"))).toBeUndefined();
    expect(store.get("key_missing")).toBeUndefined();
  });

  it("lists keys oldest first, revoked included", async () => {
    const store = await makeStore(now);
    clock = 1;
    const a = store.create({ name: "a" }).key;
    clock = 2;
    const b = store.create({ name: "b" }).key;
    store.revoke(a.id);
    expect(store.list().map((k) => [k.name, k.revoked_at !== null])).toEqual([["a", true], ["b", false]]);
    expect(store.list()[1]).toEqual(b);
  });

  it("updates fields and timestamps, and returns undefined for unknown ids", async () => {
    const store = await makeStore(now);
    clock = 10;
    const { key } = store.create({ name: "a", rpm: 5 });
    clock = 20;
    const updated = store.update(key.id, { name: "b", rpm: null, budget_usd: 3, expires_at: 99_999, metadata: { k: "v" }, models: ["openai/*"] });
    expect(updated).toEqual({ ...key, name: "b", rpm: null, budget_usd: 3, budget_period: "monthly", expires_at: 99_999, metadata: { k: "v" }, models: ["openai/*"], updated_at: 20 });
    expect(store.get(key.id)).toEqual(updated);
    expect(store.update("key_missing", { name: "x" })).toBeUndefined();
    expect(() => store.update(key.id, { budget_usd: null, budget_period: "daily" })).toThrow("budget_period: requires budget_usd");
    expect(store.get(key.id)).toEqual(updated);
  });

  it("revokes once; a revoked key is still found, marked revoked", async () => {
    const store = await makeStore(now);
    const { key } = store.create({ name: "a" });
    clock = 50;
    expect(store.revoke(key.id)).toBe(true);
    expect(store.revoke(key.id)).toBe(false);
    expect(store.revoke("key_missing")).toBe(false);
    expect(store.findByHash(key.hash)).toMatchObject({ revoked_at: 50, updated_at: 50 });
  });

  it("returns copies: mutating a result does not change the store", async () => {
    const store = await makeStore(now);
    const { key } = store.create({ name: "a", models: ["x"] });
    key.models.push("y");
    key.metadata.evil = true;
    store.get(key.id)!.models.push("z");
    expect(store.get(key.id)).toMatchObject({ models: ["x"], metadata: {} });
  });

  it("tells listeners about creates, updates and revocations", async () => {
    const store = await makeStore(now);
    const seen: Array<Pick<VirtualKey, "name" | "revoked_at">> = [];
    const unsubscribe = store.onChange((k) => seen.push({ name: k.name, revoked_at: k.revoked_at }));
    store.onChange(() => { throw new Error("a broken listener"); });
    const { key } = store.create({ name: "a" });
    store.update(key.id, { name: "b" });
    clock = 7;
    store.revoke(key.id);
    unsubscribe();
    store.update(key.id, { name: "c" });
    expect(seen).toEqual([{ name: "a", revoked_at: null }, { name: "b", revoked_at: null }, { name: "b", revoked_at: 7 }]);
  });

  it("stores SQL-looking names, models, metadata and lookups verbatim, never executing them", async () => {
    const store = await makeStore(now);
    const storable = capabilities.nulInText ? INJECTIONS : INJECTIONS.filter((text) => !text.includes("\u0000"));
    const created = storable.map((text) => store.create({ name: text, models: [text], metadata: { [text]: text } }).key);
    for (const [index, text] of storable.entries()) {
      expect(store.get(created[index]!.id)).toMatchObject({ name: text, models: [text], metadata: { [text]: text } });
      expect(store.get(text)).toBeUndefined();
      expect(store.findByHash(text)).toBeUndefined();
      expect(store.update(text, { name: "x" })).toBeUndefined();
      expect(store.revoke(text)).toBe(false);
    }
    const patched = store.update(created[0]!.id, { name: INJECTIONS[1]!, metadata: { q: INJECTIONS[2]! } });
    expect(patched).toMatchObject({ name: INJECTIONS[1], metadata: { q: INJECTIONS[2] } });
    expect(store.list()).toHaveLength(storable.length);
    for (const text of INJECTIONS.filter((t) => !storable.includes(t))) {
      // Such a name is refused up front; the same text inside models and metadata is kept verbatim.
      expect(() => store.create({ name: text })).toThrow(expect.objectContaining({ status: 400, param: "name" }));
      expect(store.create({ name: "ok", models: [text], metadata: { [text]: text } }).key).toMatchObject({ models: [text], metadata: { [text]: text } });
      expect(() => store.update(created[0]!.id, { name: text })).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});
