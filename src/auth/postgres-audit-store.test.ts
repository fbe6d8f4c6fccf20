/**
 * PostgreSQL-only behaviour of the audit log (the shared contract runs in
 * audit-log.test.ts). Skipped, with a warning, without a server.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { postgresAvailable, testSchemas } from "../../test/helpers/postgres.js";
import { PostgresAuditStore } from "./postgres-audit-store.js";

const available = await postgresAvailable();
const schemas = testSchemas();
afterAll(() => schemas.dropAll());

describe.skipIf(!available)("PostgresAuditStore", () => {
  it("record() only queues; the queue is written as one INSERT after the delay", async () => {
    const schema = await schemas.create();
    const pool = schema.pool();
    const store = await PostgresAuditStore.open(pool, { flushDelayMs: 30 });
    const query = vi.spyOn(pool, "query");
    for (let i = 0; i < 500; i++) store.record({ actor: "master", action: "key.updated", target: `key_${i}` });
    expect(query).not.toHaveBeenCalled();
    const count = async () => Number((await schema.pool().query<{ n: string }>("SELECT COUNT(*) AS n FROM audit_events")).rows[0]!.n);
    await vi.waitFor(async () => expect(await count()).toBe(500), { timeout: 5000, interval: 20 });
    const inserts = query.mock.calls.filter(([text]) => typeof text === "string" && text.startsWith("INSERT INTO audit_events"));
    expect(inserts).toHaveLength(1);
    query.mockRestore();
  });

  it("every instance lists every instance's events", async () => {
    const schema = await schemas.create();
    let clock = 10;
    const [one, two] = await Promise.all([PostgresAuditStore.open(schema.pool(), { now: () => clock }), PostgresAuditStore.open(schema.pool(), { now: () => clock })]);
    const first = one.record({ actor: "master", action: "key.created", target: "key_1" });
    clock = 20;
    await one.flush();
    const second = two.record({ actor: "master", action: "key.revoked", target: "key_1" });
    expect(await one.list()).toEqual([first]);
    expect(await two.list()).toEqual([second, first]);
    expect(await one.list({ action: "key.revoked" })).toEqual([second]);
  });

  it("close() writes what is queued; later events are dropped and counted", async () => {
    const schema = await schemas.create();
    const store = await PostgresAuditStore.open(schema.pool(), { flushDelayMs: 60_000 });
    const event = store.record({ actor: "master", action: "key.revoked" });
    store.close();
    await store.flush();
    store.record({ actor: "master", action: "key.created" });
    expect(store.dropped).toBe(1);
    const reader = await PostgresAuditStore.open(schema.pool());
    expect(await reader.list()).toEqual([event]);
  });

  it("a failed write is counted and reported, never thrown", async () => {
    const schema = await schemas.create();
    const pool = schema.pool();
    const errors: unknown[] = [];
    const store = await PostgresAuditStore.open(pool, { flushDelayMs: 60_000, onError: (error) => errors.push(error) });
    store.record({ actor: "master", action: "key.created" });
    store.record({ actor: "master", action: "key.updated" });
    await pool.end();
    await expect(store.flush()).resolves.toBeUndefined();
    expect(store.dropped).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it("keeps a NUL character from failing its batch, and stores injection strings verbatim", async () => {
    const store = await PostgresAuditStore.open((await schemas.create()).pool());
    const evil = "'); DROP TABLE audit_events; --";
    store.record({ actor: "system", action: "request.denied", target: "gpt\u00004o", reason: evil, request_id: "$1" });
    expect(await store.list()).toMatchObject([{ target: "gpt\uFFFD4o", reason: evil, request_id: "$1" }]);
    expect(await store.list({ action: "'; DROP TABLE audit_events; --" as never })).toEqual([]);
  });

  it("creates its table once when instances start together", async () => {
    const schema = await schemas.create();
    await Promise.all([1, 2, 3].map(() => PostgresAuditStore.open(schema.pool())));
    expect((await schema.pool().query("SELECT component, version FROM switchyard_migrations")).rows).toEqual([{ component: "audit_events", version: 1 }]);
  });
});
