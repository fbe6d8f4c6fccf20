import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { postgresAvailable, testSchemas } from "../../test/helpers/postgres.js";
import type { LedgerRow } from "./ledger-row.js";
import type { LedgerStore } from "./ledger-store.js";
import { MemoryLedgerStore, NOT_ROUTED_GROUP } from "./memory-store.js";
import { openLedgerStore } from "./open-store.js";
import { openSqlite } from "../storage/sqlite.js";
import { applyMigrations, MIGRATIONS } from "./sqlite-migrations.js";
import { SqliteLedgerStore } from "./sqlite-store.js";

const DAY1 = Date.UTC(2026, 0, 1, 12);
const DAY2 = Date.UTC(2026, 0, 2, 8);

function ledgerRow(overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id: "req-1", ts: DAY1, key_id: "k1", requested_model: "smart", provider: "openai", model: "gpt-4o",
    status: 200, error_kind: null, attempts: 1, route: "/v1/chat/completions", stream: false,
    input_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 0, reasoning_tokens: 0,
    cost_usd: 0, unpriced: false, estimated: false, price_version: "2026-11-28.1", latency_ms: 100, ttft_ms: null,
    ...overrides,
    request_id: overrides.request_id ?? overrides.id ?? "req-1",
  };
}

const ROWS: LedgerRow[] = [
  ledgerRow({ id: "r1", ts: DAY1, key_id: "k1", provider: "openai", model: "gpt-4o", input_tokens: 1000, cached_tokens: 400, output_tokens: 200, cost_usd: 0.004 }),
  ledgerRow({ id: "r2", ts: DAY1 + 1, key_id: "k1", provider: "anthropic", model: "claude-sonnet-4-5", input_tokens: 10_000, cached_tokens: 6000, cache_write_tokens: 2000, output_tokens: 500, reasoning_tokens: 100, cost_usd: 0.0228, stream: true, ttft_ms: 321 }),
  ledgerRow({ id: "r3", ts: DAY2, key_id: "k2", provider: "openai", model: "gpt-4o", input_tokens: 500, output_tokens: 100, cost_usd: 0.00225 }),
  ledgerRow({ id: "r4", ts: DAY2 + 1, key_id: null, provider: "local", model: "llama3", input_tokens: 300, output_tokens: 50, cost_usd: 0 }),
  ledgerRow({ id: "r5", ts: DAY2 + 2, key_id: "k2", provider: "openai", model: "gpt-mystery", input_tokens: 100, output_tokens: 10, cost_usd: null, unpriced: true, status: 200, estimated: true }),
];

const tmp = mkdtempSync(join(tmpdir(), "switchyard-ledger-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const stores: Array<[string, () => Promise<LedgerStore>]> = [
  ["memory", () => openLedgerStore("memory://")],
  ["sqlite in memory", () => openLedgerStore("sqlite::memory:")],
  ["sqlite file", () => openLedgerStore(`sqlite://${join(tmp, `ledger-${Math.random()}.db`)}`)],
];

// The same contract against PostgreSQL when the test server is reachable
// (a fresh schema per store, opened through the URL as the gateway does).
const schemas = testSchemas();
afterAll(() => schemas.dropAll());
if (await postgresAvailable()) stores.push(["postgres", async () => openLedgerStore((await schemas.create()).url)]);

describe.each(stores)("%s ledger store", (_name, open) => {
  async function seeded(): Promise<LedgerStore> {
    const store = await open();
    await store.insert(ROWS.slice(0, 2));
    await store.insert(ROWS.slice(2));
    return store;
  }

  it("round-trips rows, newest first, with paging", async () => {
    const store = await seeded();
    const recent = await store.recent({ limit: 2 });
    expect(recent.map((r) => r.id)).toEqual(["r5", "r4"]);
    expect(recent[0]).toEqual(ROWS[4]);
    expect((await store.recent({ before: DAY2 })).map((r) => r.id)).toEqual(["r2", "r1"]);
    expect(await store.recent({ before: DAY1 })).toEqual([]);
    expect((await store.recent()).find((r) => r.id === "r2")).toEqual(ROWS[1]);
    await store.close();
  });

  it("pages with before and before_id through rows that share a millisecond, without gaps or repeats", async () => {
    const store = await open();
    const rows = ["a-1", "b-2", "c-3", "d-4", "e-5", "f-6", "g-7"].map((id, i) => ledgerRow({ id, ts: i < 5 ? DAY1 : DAY1 - 1 }));
    await store.insert(rows);
    const seen: string[] = [];
    let page = await store.recent({ limit: 2 });
    while (page.length > 0) {
      seen.push(...page.map((r) => r.id));
      const last = page[page.length - 1]!;
      page = await store.recent({ limit: 2, before: last.ts, beforeId: last.id });
    }
    expect(seen).toEqual(["e-5", "d-4", "c-3", "b-2", "a-1", "g-7", "f-6"]);
    await store.close();
  });

  it("ignores a row whose id already exists (retried batches are safe)", async () => {
    const store = await seeded();
    await store.insert([ROWS[0]!, ledgerRow({ id: "r1", cost_usd: 99 }), ledgerRow({ id: "r6", ts: DAY2 + 3 })]);
    const all = await store.recent({ limit: 100 });
    expect(all).toHaveLength(6);
    expect(all.find((r) => r.id === "r1")?.cost_usd).toBe(0.004);
    await store.close();
  });

  it("keeps rows that share a request id (a client reusing its x-request-id) apart", async () => {
    const store = await seeded();
    await store.insert([ledgerRow({ id: "r6", request_id: "client-1", ts: DAY2 + 3 }), ledgerRow({ id: "r7", request_id: "client-1", ts: DAY2 + 4 })]);
    const mine = (await store.recent({ limit: 100 })).filter((r) => r.request_id === "client-1");
    expect(mine.map((r) => r.id)).toEqual(["r7", "r6"]);
    await store.close();
  });

  it("spend by key", async () => {
    const store = await seeded();
    expect(await store.spend({ groupBy: "key" })).toEqual([
      { group: "k1", requests: 2, input_tokens: 11_000, cached_tokens: 6400, cache_write_tokens: 2000, output_tokens: 700, reasoning_tokens: 100, cost_usd: 0.0268, unpriced_requests: 0 },
      { group: "k2", requests: 2, input_tokens: 600, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 110, reasoning_tokens: 0, cost_usd: 0.00225, unpriced_requests: 1 },
      { group: null, requests: 1, input_tokens: 300, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 50, reasoning_tokens: 0, cost_usd: 0, unpriced_requests: 0 },
    ]);
    await store.close();
  });

  it("spend by model (provider/model), provider and day", async () => {
    const store = await seeded();
    const byModel = await store.spend({ groupBy: "model" });
    expect(byModel.map((r) => [r.group, r.requests, r.input_tokens, r.cached_tokens, r.output_tokens, r.cost_usd, r.unpriced_requests])).toEqual([
      ["anthropic/claude-sonnet-4-5", 1, 10_000, 6000, 500, 0.0228, 0],
      ["openai/gpt-4o", 2, 1500, 400, 300, 0.00625, 0],
      ["local/llama3", 1, 300, 0, 50, 0, 0],
      ["openai/gpt-mystery", 1, 100, 0, 10, 0, 1],
    ]);
    const byProvider = await store.spend({ groupBy: "provider" });
    expect(byProvider.map((r) => [r.group, r.requests, r.input_tokens, r.output_tokens, r.cost_usd, r.unpriced_requests])).toEqual([
      ["anthropic", 1, 10_000, 500, 0.0228, 0],
      ["openai", 3, 1600, 310, 0.00625, 1],
      ["local", 1, 300, 50, 0, 0],
    ]);
    const byDay = await store.spend({ groupBy: "day" });
    expect(byDay.map((r) => [r.group, r.requests, r.input_tokens, r.cost_usd, r.unpriced_requests])).toEqual([
      ["2026-01-01", 2, 11_000, 0.0268, 0],
      ["2026-01-02", 3, 900, 0.00225, 1],
    ]);
    await store.close();
  });

  it("groups requests refused before routing as not routed, by model and by provider", async () => {
    const store = await seeded();
    await store.insert([
      ledgerRow({ id: "refused-1", ts: DAY2 + 3, provider: "", model: "", requested_model: "gpt-4o", status: 403, error_kind: "forbidden", attempts: 0 }),
      ledgerRow({ id: "refused-2", ts: DAY2 + 4, provider: "", model: "", requested_model: "nosuch", status: 404, error_kind: "not_found", attempts: 0 }),
    ]);
    const byModel = await store.spend({ groupBy: "model" });
    expect(byModel.find((r) => r.group === NOT_ROUTED_GROUP)).toMatchObject({ requests: 2, cost_usd: 0 });
    expect(byModel.map((r) => r.group)).not.toContain("/");
    const byProvider = await store.spend({ groupBy: "provider" });
    expect(byProvider.map((r) => [r.group, r.requests])).toContainEqual([NOT_ROUTED_GROUP, 2]);
    expect(byProvider.map((r) => r.group)).not.toContain("");
    await store.close();
  });

  it("spend honours from (inclusive) and to (exclusive)", async () => {
    const store = await seeded();
    const day2 = Date.UTC(2026, 0, 2);
    expect((await store.spend({ groupBy: "day", from: day2 })).map((r) => r.group)).toEqual(["2026-01-02"]);
    expect((await store.spend({ groupBy: "provider", from: day2, to: DAY2 + 1 })).map((r) => [r.group, r.requests])).toEqual([["openai", 1]]);
    expect(await store.spend({ groupBy: "key", from: DAY2 + 10 })).toEqual([]);
    await store.close();
  });
});

function ledgerIndexes(db: ReturnType<typeof openSqlite>): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ledger' AND sql IS NOT NULL").all() as Array<{ name: string }>;
  return rows.map((r) => r.name).sort();
}

describe("sqlite migrations", () => {
  it("are idempotent: a second run applies nothing", () => {
    const db = openSqlite(":memory:");
    expect(applyMigrations(db)).toEqual([1, 2, 3]);
    expect(applyMigrations(db)).toEqual([]);
    expect(db.prepare("SELECT version, name FROM schema_migrations").all()).toEqual([
      { version: 1, name: "ledger" },
      { version: 2, name: "ledger request_id" },
      { version: 3, name: "ledger drops the key and model indexes" },
    ]);
    expect(ledgerIndexes(db)).toEqual(["ledger_ts"]);
    db.close();
  });

  it("drop a version-2 ledger's key and model indexes and keep its rows; spend still reads through ledger_ts", async () => {
    const file = join(tmp, `v2-${Math.random()}.db`);
    const db = openSqlite(file);
    applyMigrations(db, MIGRATIONS.slice(0, 2));
    expect(ledgerIndexes(db)).toEqual(["ledger_key_id_ts", "ledger_model_ts", "ledger_ts"]);
    db.close();
    const old = new SqliteLedgerStore(file);
    await old.migrate();
    await old.insert(ROWS);
    await old.close();
    const reopened = openSqlite(file);
    expect(ledgerIndexes(reopened)).toEqual(["ledger_ts"]);
    const plan = reopened.prepare("EXPLAIN QUERY PLAN SELECT key_id, COUNT(*) FROM ledger WHERE ts >= ? AND ts < ? GROUP BY 1").all(0, DAY2) as Array<{ detail: string }>;
    expect(plan.map((r) => r.detail).join("; ")).toContain("USING INDEX ledger_ts");
    reopened.close();
    const store = await openLedgerStore(`sqlite://${file}`);
    expect((await store.spend({ groupBy: "key" })).map((r) => [r.group, r.requests])).toEqual([["k1", 2], ["k2", 2], [null, 1]]);
    await store.close();
  });

  it("a ledger written before request_id existed reads its row ids as request ids", async () => {
    const file = join(tmp, `old-${Math.random()}.db`);
    const db = openSqlite(file);
    applyMigrations(db, MIGRATIONS.slice(0, 1));
    db.prepare(
      `INSERT INTO ledger (id, ts, requested_model, provider, model, status, attempts, route, stream, input_tokens, cached_tokens,
         cache_write_tokens, output_tokens, reasoning_tokens, unpriced, estimated, price_version, latency_ms)
       VALUES ('old-1', ${DAY1}, 'm', 'p', 'm', 200, 1, 'p/m:200', 0, 1, 0, 0, 1, 0, 0, 0, 'v', 5)`,
    ).run();
    db.close();
    const store = await openLedgerStore(`sqlite://${file}`);
    await store.insert([ledgerRow({ id: "new-1", request_id: "client-1", ts: DAY1 + 1 })]);
    expect((await store.recent()).map((r) => [r.id, r.request_id])).toEqual([["new-1", "client-1"], ["old-1", "old-1"]]);
    await store.close();
  });

  it("survive reopening a file, and the data stays", async () => {
    const path = join(tmp, "reopen.db");
    const first = new SqliteLedgerStore(path);
    await first.migrate();
    await first.migrate();
    await first.insert([ledgerRow({ id: "kept" })]);
    await first.close();
    const second = await openLedgerStore(`sqlite://${path}`);
    expect((await second.recent()).map((r) => r.id)).toEqual(["kept"]);
    await second.close();
  });

  it("uses WAL on files", async () => {
    const store = await openLedgerStore(`sqlite://${join(tmp, "wal.db")}`);
    const db = openSqlite(join(tmp, "wal.db"));
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
    await store.close();
  });

  it("refuses use before migrate()", async () => {
    await expect(new SqliteLedgerStore(":memory:").insert([ledgerRow()])).rejects.toThrow(/migrate/);
  });

  it("stores a malformed row defensively instead of failing the batch", async () => {
    const store = await openLedgerStore("sqlite::memory:");
    await store.insert([ledgerRow({ id: "odd", latency_ms: Number.NaN, cost_usd: Number.POSITIVE_INFINITY, input_tokens: 1.6 })]);
    expect(await store.recent()).toMatchObject([{ id: "odd", latency_ms: 0, cost_usd: null, input_tokens: 2 }]);
    await store.close();
  });
});

describe("openLedgerStore", () => {
  it("opens memory and sqlite urls, creating the directory", async () => {
    expect(await openLedgerStore("memory://")).toBeInstanceOf(MemoryLedgerStore);
    const store = await openLedgerStore(`sqlite://${join(tmp, "nested", "dir", "x.db")}`);
    expect(store).toBeInstanceOf(SqliteLedgerStore);
    await store.close();
  });

  it("a postgres url that cannot connect fails clearly, without echoing the url or its password", async () => {
    for (const url of ["postgres://user:hunter2@127.0.0.1:1/switchyard", "postgresql://user:hunter2@127.0.0.1:1/switchyard?sslmode=disable"]) {
      const attempt = openLedgerStore(url);
      await expect(attempt).rejects.toThrow(/storage\.url: cannot open the PostgreSQL ledger/);
      await expect(attempt).rejects.not.toThrow(/hunter2/);
      await expect(attempt).rejects.not.toThrow(/user:/);
    }
  });

  it("rejects unknown schemes clearly", async () => {
    await expect(openLedgerStore("mysql://x")).rejects.toThrow(/unsupported scheme "mysql:"/);
    await expect(openLedgerStore("sqlite://")).rejects.toThrow(/expected a file/);
  });
});

describe("MemoryLedgerStore bounds", () => {
  it("folds rows past its bound into hourly totals, keeping spend complete", async () => {
    const store = new MemoryLedgerStore(100);
    const base = Date.parse("2026-11-01T10:00:00Z");
    const row = (i: number): LedgerRow => ({
      id: `r${i}`, request_id: `r${i}`, ts: base + i * 1000, key_id: i % 2 ? "k1" : null, requested_model: "m", provider: "p", model: "m",
      status: 200, error_kind: null, attempts: 1, route: "p/m:200", stream: false,
      input_tokens: 10, cached_tokens: 1, cache_write_tokens: 0, output_tokens: 5, reasoning_tokens: 0,
      cost_usd: 0.001, unpriced: false, estimated: false, price_version: "v", latency_ms: 1, ttft_ms: null,
    });
    for (let batch = 0; batch < 10; batch++) await store.insert(Array.from({ length: 100 }, (_, i) => row(batch * 100 + i)));
    expect(store.size).toBe(100);
    const [total] = await store.spend({ groupBy: "provider" });
    expect(total).toMatchObject({ group: "p", requests: 1000, input_tokens: 10_000, output_tokens: 5000 });
    expect(total!.cost_usd).toBeCloseTo(1, 10);
    expect((await store.spend({ groupBy: "key" })).map((r) => [r.group, r.requests])).toEqual(expect.arrayContaining([["k1", 500], [null, 500]]));
    expect((await store.recent({ limit: 1000 }))[0]!.id).toBe("r999");
  });
});

describe("MemoryLedgerStore bounds, not-routed rows", () => {
  it("keeps refused requests under the not-routed group once folded", async () => {
    const store = new MemoryLedgerStore(2);
    await store.insert(["a", "b", "c", "d"].map((id, i) => ledgerRow({ id, ts: DAY1 + i, provider: "", model: "", status: 403, attempts: 0 })));
    expect((await store.spend({ groupBy: "model" })).map((r) => [r.group, r.requests])).toEqual([[NOT_ROUTED_GROUP, 4]]);
    expect((await store.spend({ groupBy: "provider" })).map((r) => [r.group, r.requests])).toEqual([[NOT_ROUTED_GROUP, 4]]);
  });
});

describe("MemoryLedgerStore folding", () => {
  const HOUR = 3_600_000;
  const base = Date.parse("2026-11-01T00:00:00Z");
  const row = fc.record({
    hour: fc.nat({ max: 3 }),
    second: fc.nat({ max: 3_599 }),
    key_id: fc.constantFrom(null, "k1", "k2"),
    provider: fc.constantFrom("p", "q"),
    model: fc.constantFrom("m", "n"),
    input_tokens: fc.nat({ max: 1_000 }),
    cached_tokens: fc.nat({ max: 100 }),
    output_tokens: fc.nat({ max: 1_000 }),
    cost_usd: fc.option(fc.integer({ min: 0, max: 1_000_000 }).map((micro) => micro / 1e6), { nil: null }),
    unpriced: fc.boolean(),
  });

  it("keeps every group's totals exact however rows from different hours, keys and models interleave", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: 20 }), async (specs, maxRows) => {
        const store = new MemoryLedgerStore(maxRows);
        const rows = specs.map((s, i): LedgerRow => ({
          id: `r${i}`, request_id: `r${i}`, ts: base + s.hour * HOUR + s.second * 1000 + i, key_id: s.key_id, requested_model: s.model,
          provider: s.provider, model: s.model, status: 200, error_kind: null, attempts: 1, route: `${s.provider}/${s.model}:200`, stream: false,
          input_tokens: s.input_tokens, cached_tokens: s.cached_tokens, cache_write_tokens: 0, output_tokens: s.output_tokens, reasoning_tokens: 0,
          cost_usd: s.cost_usd, unpriced: s.unpriced, estimated: false, price_version: "v", latency_ms: 1, ttft_ms: null,
        }));
        for (const r of rows) store.insertNow(r);
        for (const groupBy of ["key", "model", "provider", "day"] as const) {
          const expected = new Map<string | null, { requests: number; input: number; cached: number; output: number; cost: number; unpriced: number }>();
          for (const r of rows) {
            const group = groupBy === "key" ? r.key_id : groupBy === "model" ? `${r.provider}/${r.model}` : groupBy === "provider" ? r.provider : new Date(r.ts).toISOString().slice(0, 10);
            const e = expected.get(group) ?? { requests: 0, input: 0, cached: 0, output: 0, cost: 0, unpriced: 0 };
            e.requests++; e.input += r.input_tokens; e.cached += r.cached_tokens; e.output += r.output_tokens; e.cost += r.cost_usd ?? 0; e.unpriced += r.unpriced ? 1 : 0;
            expected.set(group, e);
          }
          const got = await store.spend({ groupBy });
          expect(got.length).toBe(expected.size);
          for (const g of got) {
            const e = expected.get(g.group)!;
            expect([g.requests, g.input_tokens, g.cached_tokens, g.output_tokens, g.unpriced_requests]).toEqual([e.requests, e.input, e.cached, e.output, e.unpriced]);
            expect(g.cost_usd).toBeCloseTo(e.cost, 8);
          }
        }
        // Hour bounds: a window of whole hours counts exactly the rows inside it, folded or not.
        const [inside] = await store.spend({ groupBy: "provider", from: base + HOUR, to: base + 3 * HOUR }).then((r) => [r.reduce((n, g) => n + g.requests, 0)]);
        expect(inside).toBe(rows.filter((r) => r.ts >= base + HOUR && r.ts < base + 3 * HOUR).length);
      }),
      { numRuns: 150 },
    );
  });
});
