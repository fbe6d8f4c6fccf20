/**
 * PostgreSQL-only behaviour of the ledger (the shared contract runs in
 * ledger-store.test.ts): migrations, concurrency, large batches, defensive
 * binding. Runs against the test server; skipped, with a warning, without one.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { POSTGRES_TEST_URL, postgresAvailable, testSchemas } from "../../test/helpers/postgres.js";
import { startTcpProxy } from "../../test/helpers/tcp-proxy.js";
import { applyPostgresMigrations, createPostgresPool } from "../storage/postgres.js";
import type { LedgerRow } from "./ledger-row.js";
import { openLedgerStore } from "./open-store.js";
import { LEDGER_PG_MIGRATIONS, PostgresLedgerStore } from "./postgres-store.js";

const available = await postgresAvailable();
const schemas = testSchemas();
afterAll(() => schemas.dropAll());

const DAY = Date.UTC(2026, 2, 1, 10);

function ledgerRow(overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id: "req-1", ts: DAY, key_id: "k1", requested_model: "smart", provider: "openai", model: "gpt-4o",
    status: 200, error_kind: null, attempts: 1, route: "openai/gpt-4o:200", stream: false,
    input_tokens: 10, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 5, reasoning_tokens: 0,
    cost_usd: 0.001, unpriced: false, estimated: false, price_version: "v1", latency_ms: 100, ttft_ms: null,
    ...overrides,
    request_id: overrides.request_id ?? overrides.id ?? "req-1",
  };
}

async function migratedStore(): Promise<{ store: PostgresLedgerStore; pool: ReturnType<Awaited<ReturnType<typeof schemas.create>>["pool"]> }> {
  const schema = await schemas.create();
  const pool = schema.pool();
  const store = new PostgresLedgerStore(pool);
  await store.migrate();
  return { store, pool };
}

async function ledgerIndexes(pool: { query<R>(sql: string): Promise<{ rows: R[] }> }): Promise<string[]> {
  const { rows } = await pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'ledger' AND schemaname = current_schema() ORDER BY 1");
  return rows.map((r) => r.indexname);
}

describe.skipIf(!available)("PostgresLedgerStore", () => {
  it("migrates idempotently and records each migration once", async () => {
    const { store, pool } = await migratedStore();
    await store.migrate();
    expect(await applyPostgresMigrations(pool, "ledger", LEDGER_PG_MIGRATIONS)).toEqual([]);
    const { rows } = await pool.query("SELECT component, version, name FROM switchyard_migrations");
    expect(rows).toEqual([
      { component: "ledger", version: 1, name: "ledger" },
      { component: "ledger", version: 2, name: "ledger request_id" },
      { component: "ledger", version: 3, name: "ledger drops the key and model indexes" },
    ]);
    expect(await ledgerIndexes(pool)).toEqual(["ledger_pkey", "ledger_ts"]);
    const types = await pool.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'ledger' AND table_schema = current_schema() AND column_name IN ('ts', 'cost_usd', 'stream')",
    );
    expect(Object.fromEntries(types.rows.map((r) => [r.column_name, r.data_type]))).toEqual({ ts: "bigint", cost_usd: "double precision", stream: "boolean" });
  });

  it("several instances migrating one schema at once apply each migration once", async () => {
    const schema = await schemas.create();
    const stores = Array.from({ length: 4 }, () => new PostgresLedgerStore(schema.pool()));
    await Promise.all(stores.map((store) => store.migrate()));
    const { rows } = await schema.pool().query("SELECT component, version FROM switchyard_migrations ORDER BY version");
    expect(rows).toEqual([
      { component: "ledger", version: 1 },
      { component: "ledger", version: 2 },
      { component: "ledger", version: 3 },
    ]);
    await stores[0]!.insert([ledgerRow()]);
    expect(await stores[3]!.recent()).toEqual([ledgerRow()]);
  });

  it("drops a version-2 ledger's key and model indexes and keeps its rows", async () => {
    const schema = await schemas.create();
    const pool = schema.pool();
    await applyPostgresMigrations(pool, "ledger", LEDGER_PG_MIGRATIONS.slice(0, 2));
    expect(await ledgerIndexes(pool)).toEqual(["ledger_key_id_ts", "ledger_model_ts", "ledger_pkey", "ledger_ts"]);
    const store = new PostgresLedgerStore(pool);
    await store.migrate();
    await store.insert([ledgerRow({ id: "a" }), ledgerRow({ id: "b", key_id: "k2" })]);
    expect(await ledgerIndexes(pool)).toEqual(["ledger_pkey", "ledger_ts"]);
    expect((await store.spend({ groupBy: "key" })).map((r) => [r.group, r.requests])).toEqual([["k1", 1], ["k2", 1]]);
  });

  it("refuses a schema migrated by a newer Switchyard", async () => {
    const { pool } = await migratedStore();
    await pool.query("INSERT INTO switchyard_migrations (component, version, name, applied_at) VALUES ('ledger', 99, 'future', 0)");
    await expect(new PostgresLedgerStore(pool).migrate()).rejects.toThrow(/version 99, newer than this Switchyard knows \(3\)/);
  });

  it("writes a batch as one statement with its rows in one JSON parameter", async () => {
    const { store, pool } = await migratedStore();
    const query = vi.spyOn(pool, "query");
    await store.insert(Array.from({ length: 250 }, (_, i) => ledgerRow({ id: `r${i}`, ts: DAY + i })));
    const inserts = query.mock.calls.filter(([text]) => typeof text === "string" && text.startsWith("INSERT"));
    expect(inserts).toHaveLength(1);
    expect(inserts[0]![0]).toMatch(/ON CONFLICT \(id\) DO NOTHING$/);
    const params = inserts[0]![1] as string[];
    expect(params).toHaveLength(1);
    expect(JSON.parse(params[0]!)).toHaveLength(250);
    query.mockRestore();
    expect((await store.spend({ groupBy: "key" }))[0]).toMatchObject({ group: "k1", requests: 250, input_tokens: 2500, cost_usd: 0.25 });
  });

  it("takes a batch past the old bind-parameter limit (65,535 values) as one statement, all or nothing", async () => {
    const { store, pool } = await migratedStore();
    const count = 2 * Math.floor(65_535 / 23) + 10;
    await store.insert(Array.from({ length: count }, (_, i) => ledgerRow({ id: `big-${i}`, ts: DAY + i, input_tokens: 1 })));
    expect((await store.spend({ groupBy: "provider" }))[0]).toMatchObject({ group: "openai", requests: count, input_tokens: count });
    // A bad last row undoes the whole batch.
    await pool.query("ALTER TABLE ledger ADD CONSTRAINT test_no_bad CHECK (id <> 'tx-bad')");
    const rows = Array.from({ length: count }, (_, i) => ledgerRow({ id: `tx-${i}`, ts: DAY, provider: "tx" }));
    rows[rows.length - 1] = ledgerRow({ id: "tx-bad", ts: DAY, provider: "tx" });
    await expect(store.insert(rows)).rejects.toThrow(/test_no_bad/);
    expect((await store.spend({ groupBy: "provider" })).map((r) => r.group)).toEqual(["openai"]);
  });

  it("binds malformed values defensively instead of failing the batch", async () => {
    const { store } = await migratedStore();
    await store.insert([
      ledgerRow({ id: "odd", latency_ms: Number.NaN, cost_usd: Number.POSITIVE_INFINITY, input_tokens: 1.6, status: 1e12, ts: DAY }),
      ledgerRow({ id: "nul", requested_model: "gpt\u00004o", route: "a\u0000b", ts: DAY + 1 }),
      ledgerRow({ id: "surrogate", model: "gpt\ud8004o", key_id: "k\udc00", ts: DAY + 2 }),
    ]);
    const rows = await store.recent();
    expect(rows.find((r) => r.id === "odd")).toMatchObject({ latency_ms: 0, cost_usd: null, input_tokens: 2, status: 2_147_483_647 });
    expect(rows.find((r) => r.id === "nul")).toMatchObject({ requested_model: "gpt\uFFFD4o", route: "a\uFFFDb" });
    expect(rows.find((r) => r.id === "surrogate")).toMatchObject({ model: "gpt\uFFFD4o", key_id: "k\uFFFD" });
  });

  it("stores SQL-looking text verbatim and groups by it safely", async () => {
    const { store } = await migratedStore();
    const evil = ["'; DROP TABLE ledger; --", "x' OR '1'='1", "\" OR 1=1 --", "$1", "'); DELETE FROM switchyard_migrations; --"];
    await store.insert(evil.map((text, i) => ledgerRow({ id: text, key_id: text, provider: text, model: text, requested_model: text, ts: DAY + i })));
    const recent = await store.recent();
    expect(recent.map((r) => r.id).sort()).toEqual([...evil].sort());
    expect(recent.every((r) => r.key_id === r.id && r.model === r.id)).toBe(true);
    expect((await store.spend({ groupBy: "model" })).map((r) => r.group).sort()).toEqual(evil.map((t) => `${t}/${t}`).sort());
    expect((await store.spend({ groupBy: "key" })).every((r) => r.requests === 1)).toBe(true);
  });

  it("groups days in UTC whatever the session time zone", async () => {
    const schema = await schemas.create();
    for (const zone of ["Pacific/Kiritimati", "America/Los_Angeles"]) {
      const pool = schema.pool(`-c TimeZone=${zone}`);
      expect((await pool.query("SHOW TimeZone")).rows[0]).toEqual({ TimeZone: zone });
      const store = new PostgresLedgerStore(pool);
      await store.migrate();
      await store.insert([ledgerRow({ id: "late", ts: Date.UTC(2026, 0, 1, 23, 59, 59, 999) }), ledgerRow({ id: "early", ts: Date.UTC(2026, 0, 2, 0, 0, 0, 0) })]);
      expect((await store.spend({ groupBy: "day" })).map((r) => [r.group, r.requests])).toEqual([["2026-01-01", 1], ["2026-01-02", 1]]);
    }
  });

  it("treats fractional time bounds exactly (ts is an integer)", async () => {
    const { store } = await migratedStore();
    await store.insert([ledgerRow({ id: "a", ts: 10 }), ledgerRow({ id: "b", ts: 11 })]);
    expect((await store.recent({ before: 10.5 })).map((r) => r.id)).toEqual(["a"]);
    expect((await store.spend({ groupBy: "key", from: 10.5 }))[0]?.requests).toBe(1);
    expect((await store.spend({ groupBy: "key", to: 10.5 }))[0]?.requests).toBe(1);
  });

  it("a write on a connection left dead (failover, partition) fails after the query timeout; the retry takes a new connection", async () => {
    const schema = await schemas.create();
    const server = new URL(POSTGRES_TEST_URL);
    const proxy = await startTcpProxy(Number(server.port || 5432), server.hostname);
    server.host = `127.0.0.1:${proxy.port}`;
    const pool = createPostgresPool(server.toString(), { options: `-c search_path=${schema.name}`, max: 1, queryTimeoutMs: 300 });
    try {
      const store = new PostgresLedgerStore(pool);
      await store.migrate();
      await store.insert([ledgerRow({ id: "before" })]);
      proxy.stallOpenConnections();
      const hung = store.insert([ledgerRow({ id: "stalled" })]).then(() => "stored", () => "failed");
      const outcome = await Promise.race([hung, new Promise((resolve) => setTimeout(resolve, 3_000, "still waiting"))]);
      expect(outcome).toBe("failed");
      await store.insert([ledgerRow({ id: "stalled" }), ledgerRow({ id: "after" })]);
      const ids = (await store.recent({ limit: 10 })).map((row) => row.id).sort();
      expect(ids).toEqual(["after", "before", "stalled"]);
    } finally {
      await pool.end().catch(() => undefined);
      await proxy.close();
    }
  });

  it("refuses use before migrate()", async () => {
    const schema = await schemas.create();
    await expect(new PostgresLedgerStore(schema.pool()).insert([ledgerRow()])).rejects.toThrow(/migrate/);
  });

  it("openLedgerStore accepts postgresql:// and its store ends its own pool on close", async () => {
    const schema = await schemas.create();
    const store = await openLedgerStore(schema.url.replace(/^postgres:/, "postgresql:"));
    expect(store).toBeInstanceOf(PostgresLedgerStore);
    await store.insert([ledgerRow()]);
    await store.close();
    await expect(store.recent()).rejects.toThrow(/pool after calling end/);
  });
});
