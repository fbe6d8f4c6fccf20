import { afterEach, describe, expect, it, vi } from "vitest";
import { GatewayError } from "../core/errors.js";
import { KeyAuthError } from "./key-auth-error.js";
import { KeyAuthenticator, type KeyAuthenticatorOptions } from "./key-authenticator.js";
import type { KeyStore } from "./key-store.js";
import { MemoryKeyStore } from "./memory-key-store.js";
import type { AuthHeaders } from "./presented-key.js";
import { openSqlite, type SqliteDatabase } from "../storage/sqlite.js";
import { SqliteKeyStore } from "./sqlite-key-store.js";
import { generateSecret } from "./virtual-key.js";

const MASTER = "master-key-for-tests-0123456789";

function authError(fn: () => unknown): KeyAuthError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyAuthError);
    expect(error).toBeInstanceOf(GatewayError);
    const e = error as KeyAuthError;
    expect(e.status).toBe(401);
    expect(e.type).toBe("authentication_error");
    return e;
  }
  throw new Error("expected a 401");
}

let databases: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of databases) db.close();
  databases = [];
});

const wirings: Array<[string, () => KeyStore]> = [
  ["memory store", () => new MemoryKeyStore()],
  ["sqlite store", () => {
    const db = openSqlite();
    databases.push(db);
    return new SqliteKeyStore(db);
  }],
];

describe.each(wirings)("KeyAuthenticator with a %s", (_name, makeStore) => {
  function setup(options: Partial<KeyAuthenticatorOptions> = {}) {
    const store = makeStore();
    const auth = new KeyAuthenticator({ store, masterKey: MASTER, ...options });
    return { store, auth };
  }

  it("accepts the master key by Bearer and x-api-key", () => {
    const { auth } = setup();
    expect(auth.authenticate({ authorization: `Bearer ${MASTER}` })).toEqual({ kind: "master" });
    expect(auth.authenticate({ "x-api-key": MASTER })).toEqual({ kind: "master" });
    expect(auth.authenticate({ authorization: `bearer   ${MASTER}  ` })).toEqual({ kind: "master" });
  });

  it("accepts a virtual key by Bearer and x-api-key", () => {
    const { store, auth } = setup();
    const { key, secret } = store.create({ name: "ci", models: ["smart"] });
    expect(auth.authenticate({ authorization: `Bearer ${secret}` })).toEqual({ kind: "virtual", key });
    expect(auth.authenticate({ "x-api-key": secret })).toEqual({ kind: "virtual", key });
    expect(auth.authenticate({ authorization: [`Bearer ${secret}`], "x-api-key": secret })).toEqual({ kind: "virtual", key });
  });

  it("without a master key, only virtual keys authenticate", () => {
    const { store, auth } = setup({ masterKey: undefined });
    const { secret } = store.create({ name: "ci" });
    expect(auth.authenticate({ authorization: `Bearer ${secret}` }).kind).toBe("virtual");
    expect(authError(() => auth.authenticate({ authorization: "Bearer " })).reason).toBe("missing_api_key");
    expect(authError(() => auth.authenticate({ authorization: `Bearer ${MASTER}` })).message).toBe("Invalid API key");
  });

  it("refuses a key revoked through the same store at once, despite the cache", () => {
    const { store, auth } = setup();
    const { key, secret } = store.create({ name: "ci" });
    expect(auth.authenticate({ authorization: `Bearer ${secret}` }).kind).toBe("virtual");
    expect(store.revoke(key.id)).toBe(true);
    const error = authError(() => auth.authenticate({ authorization: `Bearer ${secret}` }));
    expect(error.message).toBe("This API key has been revoked");
    expect(error).toMatchObject({ reason: "key_revoked", code: "key_revoked", keyId: key.id, keyPrefix: key.prefix });
  });

  it("sees updates through the same store at once", () => {
    const { store, auth } = setup();
    const { key, secret } = store.create({ name: "ci", models: ["a"] });
    auth.authenticate({ "x-api-key": secret });
    store.update(key.id, { models: ["b"] });
    const principal = auth.authenticate({ "x-api-key": secret });
    expect(principal.kind === "virtual" && principal.key.models).toEqual(["b"]);
  });

  it("refuses an expired key, naming when it expired", () => {
    let clock = Date.parse("2030-01-01T00:00:00Z");
    const { store, auth } = setup({ now: () => clock });
    const { secret } = store.create({ name: "ci", expires_at: clock + 60_000 });
    expect(auth.authenticate({ authorization: `Bearer ${secret}` }).kind).toBe("virtual");
    clock += 60_000;
    const error = authError(() => auth.authenticate({ authorization: `Bearer ${secret}` }));
    expect(error.message).toBe("This API key expired at 2030-01-01T00:01:00.000Z");
    expect(error.reason).toBe("key_expired");
  });

  it("refuses unknown keys with a generic message", () => {
    const { auth } = setup();
    for (const value of [generateSecret(), "sk-sy-short", "sk-proj-abcdefghijklmnopqrstuvwxyz", "garbage", "x".repeat(10_000)]) {
      const error = authError(() => auth.authenticate({ authorization: `Bearer ${value}` }));
      expect(error.message).toBe("Invalid API key");
      expect(error.reason).toBe("invalid_api_key");
      expect(error.keyId).toBeNull();
    }
  });

  it("keeps the display prefix of a virtual-key-shaped value only", () => {
    const { auth } = setup();
    const secret = generateSecret();
    expect(authError(() => auth.authenticate({ "x-api-key": secret })).keyPrefix).toBe(secret.slice(0, 10));
    expect(authError(() => auth.authenticate({ "x-api-key": "almost-the-master-key" })).keyPrefix).toBeNull();
  });

  it.each<[string, AuthHeaders, string]>([
    ["no headers", {}, "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'"],
    ["empty values", { authorization: "  ", "x-api-key": "" }, "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'"],
    ["null values", { authorization: null, "x-api-key": null }, "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'"],
    ["Bearer alone", { authorization: "Bearer" }, "Missing API key after 'Bearer' in the Authorization header"],
    ["Bearer and spaces", { authorization: "Bearer    " }, "Missing API key after 'Bearer' in the Authorization header"],
    ["a bare key", { authorization: "sk-sy-abc" }, "Malformed Authorization header: expected 'Bearer <key>'"],
    ["Basic auth", { authorization: "Basic dXNlcjpwYXNz" }, "Malformed Authorization header: expected 'Bearer <key>'"],
    ["two tokens", { authorization: "Bearer one two" }, "Malformed Authorization header: expected 'Bearer <key>'"],
    ["Bearer twice", { authorization: "Bearer Bearer sk-sy-abc" }, "Malformed Authorization header: expected 'Bearer <key>'"],
    ["x-api-key with Bearer", { "x-api-key": "Bearer sk-sy-abc" }, "Malformed x-api-key header: expected the key alone"],
    ["repeated header", { "x-api-key": ["a", "b"] }, "Malformed x-api-key header: send it once"],
    ["conflicting headers", { authorization: "Bearer aaaaaaaa", "x-api-key": "bbbbbbbb" }, "Conflicting API keys in the Authorization and x-api-key headers: send one key"],
  ])("refuses %s", (_case, headers, message) => {
    const { auth } = setup();
    expect(authError(() => auth.authenticate(headers)).message).toBe(message);
  });

  it("canary: the presented secret never appears in any error", () => {
    const { store, auth } = setup();
    const canary = generateSecret();
    const { key, secret } = store.create({ name: "canary" });
    const revokedSecret = secret;
    store.revoke(key.id);
    const expiring = new KeyAuthenticator({ store, masterKey: MASTER, now: () => Number.MAX_SAFE_INTEGER });
    const { secret: expiredSecret } = store.create({ name: "expired", expires_at: Date.now() + 1000 });
    const attempts: Array<[KeyAuthenticator, string, AuthHeaders]> = [];
    for (const value of [canary, revokedSecret, `${MASTER}x`]) {
      attempts.push(
        [auth, value, { authorization: `Bearer ${value}` }],
        [auth, value, { authorization: value }],
        [auth, value, { authorization: `Basic ${value}` }],
        [auth, value, { authorization: `Bearer ${value} ${value}` }],
        [auth, value, { "x-api-key": value }],
        [auth, value, { "x-api-key": `Bearer ${value}` }],
        [auth, value, { "x-api-key": [value, value] }],
        [auth, value, { authorization: `Bearer ${value}`, "x-api-key": `${value}2` }],
        [auth, value, { authorization: `Bearer ${value}x` }],
      );
    }
    attempts.push([expiring, expiredSecret, { authorization: `Bearer ${expiredSecret}` }]);
    for (const [authenticator, value, headers] of attempts) {
      const error = authError(() => authenticator.authenticate(headers));
      const everything = [error.message, error.stack ?? "", JSON.stringify(error.toJSON()), JSON.stringify(error), String(error.cause ?? ""), error.keyPrefix ?? ""].join("\n");
      expect(everything).not.toContain(value);
      // Not even a 12-character fragment beyond the display prefix.
      expect(everything).not.toContain(value.slice(10, 22));
    }
  });
});

describe("KeyAuthenticator caching", () => {
  function counting() {
    const store = new MemoryKeyStore();
    const findByHash = vi.spyOn(store, "findByHash");
    return { store, findByHash };
  }

  it("serves repeated lookups from the cache until the TTL passes", () => {
    let clock = 0;
    const { store, findByHash } = counting();
    const auth = new KeyAuthenticator({ store, now: () => clock, ttlMs: 5_000 });
    const { secret } = store.create({ name: "a" });
    for (let i = 0; i < 10; i++) auth.authenticate({ "x-api-key": secret });
    expect(findByHash).toHaveBeenCalledTimes(1);
    clock = 5_000;
    auth.authenticate({ "x-api-key": secret });
    expect(findByHash).toHaveBeenCalledTimes(2);
  });

  it("caches unknown keys briefly, bounded in size", () => {
    let clock = 0;
    const { store, findByHash } = counting();
    const auth = new KeyAuthenticator({ store, now: () => clock, negativeTtlMs: 1_000, maxEntries: 3 });
    const garbage = generateSecret();
    for (let i = 0; i < 5; i++) expect(() => auth.authenticate({ "x-api-key": garbage })).toThrow("Invalid API key");
    expect(findByHash).toHaveBeenCalledTimes(1);
    clock = 1_000;
    expect(() => auth.authenticate({ "x-api-key": garbage })).toThrow("Invalid API key");
    expect(findByHash).toHaveBeenCalledTimes(2);
    // A flood of distinct garbage does not evict a real key.
    const { secret } = store.create({ name: "real" });
    auth.authenticate({ "x-api-key": secret });
    for (let i = 0; i < 50; i++) expect(() => auth.authenticate({ "x-api-key": generateSecret() })).toThrow();
    findByHash.mockClear();
    auth.authenticate({ "x-api-key": secret });
    expect(findByHash).not.toHaveBeenCalled();
  });

  it("does not reach the store for values that cannot be virtual keys", () => {
    const { store, findByHash } = counting();
    const auth = new KeyAuthenticator({ store, masterKey: MASTER });
    for (const value of ["nope", "sk-sy-tooshort", `${MASTER}!`]) expect(() => auth.authenticate({ "x-api-key": value })).toThrow();
    expect(findByHash).not.toHaveBeenCalled();
  });

  it("a change through the store clears a cached miss for that key's hash", () => {
    const { store, findByHash } = counting();
    const auth = new KeyAuthenticator({ store });
    const { key, secret } = store.create({ name: "a" });
    // A miss cached just before the key became visible (say, a replica catching up).
    findByHash.mockReturnValueOnce(undefined);
    expect(() => auth.authenticate({ "x-api-key": secret })).toThrow("Invalid API key");
    expect(() => auth.authenticate({ "x-api-key": secret })).toThrow("Invalid API key");
    store.update(key.id, { name: "b" });
    expect(auth.authenticate({ "x-api-key": secret }).kind).toBe("virtual");
  });

  it("invalidate(id) drops a key changed behind the store's back (another process)", () => {
    const db = openSqlite();
    databases.push(db);
    const writer = new SqliteKeyStore(db);
    const reader = new SqliteKeyStore(db);
    const auth = new KeyAuthenticator({ store: reader });
    const { key, secret } = writer.create({ name: "a" });
    auth.authenticate({ "x-api-key": secret });
    writer.revoke(key.id);
    // Still cached: the change went through another store object.
    expect(auth.authenticate({ "x-api-key": secret }).kind).toBe("virtual");
    auth.invalidate(key.id);
    expect(() => auth.authenticate({ "x-api-key": secret })).toThrow("This API key has been revoked");
  });

  it("close() unsubscribes from the store", () => {
    const store = new MemoryKeyStore();
    const unsubscribe = vi.fn();
    vi.spyOn(store, "onChange").mockReturnValue(unsubscribe);
    new KeyAuthenticator({ store }).close();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });

  it("hands out frozen keys: a request cannot change what the next one sees", () => {
    const store = new MemoryKeyStore();
    const auth = new KeyAuthenticator({ store });
    const { secret } = store.create({ name: "a", models: ["x"] });
    const principal = auth.authenticate({ "x-api-key": secret });
    if (principal.kind !== "virtual") throw new Error("expected a virtual key");
    expect(() => principal.key.models.push("y")).toThrow(TypeError);
    expect(() => { (principal.key as { rpm: number | null }).rpm = 1; }).toThrow(TypeError);
  });
});
