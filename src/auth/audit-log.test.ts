import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { postgresAvailable, testSchemas } from "../../test/helpers/postgres.js";
import { GatewayError } from "../core/errors.js";
import { completeAuditEvent, deniedRequestEvent, type AuditStore } from "./audit-log.js";
import { KeyAuthError } from "./key-auth-error.js";
import { MemoryAuditStore } from "./memory-audit-store.js";
import { PostgresAuditStore } from "./postgres-audit-store.js";
import { SqliteAuditStore } from "./sqlite-audit-store.js";
import { openSqlite, type SqliteDatabase } from "../storage/sqlite.js";
import { newVirtualKey } from "./key-record.js";

let databases: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of databases) if (db.open) db.close();
  databases = [];
  vi.useRealTimers();
});

function sqliteDb(): SqliteDatabase {
  const db = openSqlite();
  databases.push(db);
  return db;
}

const stores: Array<[string, (now: () => number) => AuditStore | Promise<AuditStore>]> = [
  ["MemoryAuditStore", (now) => new MemoryAuditStore({ now })],
  ["SqliteAuditStore", (now) => new SqliteAuditStore(sqliteDb(), { now })],
];

const schemas = testSchemas();
afterAll(() => schemas.dropAll());
if (await postgresAvailable()) {
  stores.push(["PostgresAuditStore", async (now) => PostgresAuditStore.open((await schemas.create()).pool(), { now, onError: (e) => console.error("audit store error", e) })]);
}

describe.each(stores)("%s", (_name, makeStore) => {
  it("round-trips events, newest first", async () => {
    let clock = 100;
    const store = await makeStore(() => clock);
    const created = store.record({ actor: "master", action: "key.created", key_prefix: "sk-sy-AbCd", target: "key_0123456789abcdef" });
    clock = 200;
    const denied = store.record({ actor: "key_0123456789abcdef", action: "request.denied", target: "openai/o3", reason: "model_not_allowed", status: 403, request_id: "req_1" });
    expect(created).toEqual({ id: expect.stringMatching(/^aud_[0-9a-f]{16}$/), ts: 100, actor: "master", action: "key.created", key_prefix: "sk-sy-AbCd", target: "key_0123456789abcdef", reason: null, status: null, request_id: null });
    expect(await store.list()).toEqual([denied, created]);
    store.close();
  });

  it("filters by action, pages with before, bounds the limit", async () => {
    let clock = 0;
    const store = await makeStore(() => clock);
    for (let i = 1; i <= 30; i++) {
      clock = i;
      store.record({ actor: "system", action: i % 3 === 0 ? "config.reloaded" : "request.denied", status: 401 });
    }
    expect((await store.list({ limit: 5 })).map((e) => e.ts)).toEqual([30, 29, 28, 27, 26]);
    expect((await store.list({ limit: 3, before: 26 })).map((e) => e.ts)).toEqual([25, 24, 23]);
    expect((await store.list({ action: "config.reloaded", limit: 3 })).map((e) => e.ts)).toEqual([30, 27, 24]);
    expect((await store.list({ action: "config.reloaded", before: 24 })).map((e) => e.ts)).toEqual([21, 18, 15, 12, 9, 6, 3]);
    expect(await store.list({ limit: 0 })).toHaveLength(1);
    expect(await store.list({ limit: 10_000 })).toHaveLength(30);
    store.close();
  });

  it("pages with before and before_id through events that share a millisecond, each once", async () => {
    let clock = 0;
    const store = await makeStore(() => clock);
    const recorded: string[] = [];
    for (let i = 0; i < 23; i++) {
      clock = 100 + Math.floor(i / 10); // ten events in each millisecond
      recorded.push(store.record({ actor: "system", action: i % 2 === 0 ? "request.denied" : "key.updated", status: 401 }).id);
    }
    const walk = async (action?: "request.denied") => {
      const seen: string[] = [];
      let cursor: { before?: number; beforeId?: string } = {};
      for (;;) {
        const page = await store.list({ limit: 4, action, ...cursor });
        if (page.length === 0) return seen;
        seen.push(...page.map((event) => event.id));
        cursor = { before: page.at(-1)!.ts, beforeId: page.at(-1)!.id };
      }
    };
    expect(await walk()).toEqual([...recorded].reverse());
    expect(await walk("request.denied")).toEqual(recorded.filter((_, i) => i % 2 === 0).reverse());
    // An id that names no event pages by the millisecond alone.
    expect((await store.list({ before: 101, beforeId: "aud_unknown" })).map((event) => event.ts)).toEqual(Array(10).fill(100));
    store.close();
  });

  it("keeps events of the same millisecond in recording order", async () => {
    const store = await makeStore(() => 5);
    const ids = ["key.created", "key.updated", "key.revoked"].map((action) => store.record({ actor: "master", action: action as "key.created" }).id);
    expect((await store.list()).map((e) => e.id)).toEqual(ids.reverse());
    store.close();
  });

  it("stores SQL-looking text verbatim", async () => {
    const store = await makeStore(() => 1);
    const text = "'); DROP TABLE audit_events; --";
    store.record({ actor: "system", action: "config.rejected", reason: text, target: text });
    store.record({ actor: "system", action: "config.rejected" });
    expect((await store.list()).map((e) => e.reason)).toEqual([null, text]);
    store.close();
  });
});

describe("completeAuditEvent", () => {
  it("masks credential-shaped text and bounds every field", () => {
    const secret = "sk-sy-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg";
    const event = completeAuditEvent({ actor: "x".repeat(500), action: "request.denied", key_prefix: secret, reason: `bad key ${secret}`, target: "m".repeat(1000), request_id: `Bearer ${secret}` }, 1);
    expect(JSON.stringify(event)).not.toContain(secret.slice(10));
    expect(event.key_prefix).toBe("sk-sy-AbCd");
    expect(event.reason).toBe("bad key [REDACTED]");
    expect(event.actor).toHaveLength(64);
    expect(event.target).toHaveLength(256);
  });
});

describe("deniedRequestEvent", () => {
  it("describes an auth failure without the secret", () => {
    const error = new KeyAuthError("key_revoked", "This API key has been revoked", { keyId: "key_1", keyPrefix: "sk-sy-AbCd" });
    expect(deniedRequestEvent(error, { requestId: "req_9", target: "smart" })).toEqual({
      actor: "key_1", action: "request.denied", key_prefix: "sk-sy-AbCd", target: "smart",
      reason: "key_revoked: This API key has been revoked", status: 401, request_id: "req_9",
    });
    expect(deniedRequestEvent(new KeyAuthError("invalid_api_key", "Invalid API key")).actor).toBe("system");
  });

  it("describes a permission denial for a virtual key", () => {
    const { key } = newVirtualKey({ name: "k" }, 1);
    const error = new GatewayError("permission", "This key is not allowed to use model 'o3'", { code: "model_not_allowed" });
    expect(deniedRequestEvent(error, { principal: { kind: "virtual", key }, target: "o3" })).toMatchObject({
      actor: key.id, key_prefix: key.prefix, status: 403, target: "o3", reason: "model_not_allowed: This key is not allowed to use model 'o3'",
    });
  });
});

describe("SqliteAuditStore queueing", () => {
  it("does not write on record; writes in one batch after the delay", () => {
    vi.useFakeTimers();
    const db = sqliteDb();
    const store = new SqliteAuditStore(db, { flushDelayMs: 50 });
    const count = () => (db.prepare("SELECT COUNT(*) AS n FROM audit_events").get() as { n: number }).n;
    for (let i = 0; i < 500; i++) store.record({ actor: "master", action: "key.updated", target: `key_${i}` });
    expect(count()).toBe(0);
    vi.advanceTimersByTime(50);
    expect(count()).toBe(500);
  });

  it("drops events beyond the queue bound instead of growing", async () => {
    vi.useFakeTimers();
    const store = new SqliteAuditStore(sqliteDb(), { maxQueued: 100 });
    for (let i = 0; i < 1_000; i++) store.record({ actor: "master", action: "key.updated", target: `key_${i}` });
    expect(store.dropped).toBe(900);
    expect(await store.list({ limit: 1000 })).toHaveLength(100);
  });

  it("close() writes what is queued; a failed write is counted, not thrown", () => {
    const db = sqliteDb();
    const store = new SqliteAuditStore(db, { flushDelayMs: 60_000 });
    store.record({ actor: "master", action: "key.revoked" });
    store.close();
    expect(db.prepare("SELECT action FROM audit_events").all()).toEqual([{ action: "key.revoked" }]);
    expect(store.record({ actor: "master", action: "key.created" }).action).toBe("key.created");
    expect(store.dropped).toBe(1);

    const errors: unknown[] = [];
    const failing = new SqliteAuditStore(db, { flushDelayMs: 60_000, onError: (e) => errors.push(e) });
    failing.record({ actor: "master", action: "key.created" });
    db.close();
    expect(() => failing.flush()).not.toThrow();
    expect(failing.dropped).toBe(1);
    expect(errors).toHaveLength(1);
  });
});
