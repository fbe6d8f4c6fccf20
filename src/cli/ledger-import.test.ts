/**
 * `switchyard ledger import`: rows saved at shutdown go into the configured
 * store once; a file with one bad line is refused whole and names the line.
 * (The end-to-end path, a real gateway saving the file, is in test/shutdown.test.ts.)
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, expect, it, vi } from "vitest";
import type { LedgerRow } from "../accounting/ledger-row.js";
import { SqliteLedgerStore } from "../accounting/sqlite-store.js";
import { readSavedRows, runLedgerImport } from "./ledger-import.js";

function row(id: string, overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id, request_id: id, ts: 1_796_000_000_000, key_id: "k1", requested_model: "smart", provider: "openai", model: "gpt-4o",
    status: 200, error_kind: null, attempts: 1, route: "openai/gpt-4o:200", stream: false,
    input_tokens: 100, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 10, reasoning_tokens: 0,
    cost_usd: 0.001, unpriced: false, estimated: false, price_version: "v", latency_ms: 5, ttft_ms: null,
    ...overrides,
  };
}

let dir: string;
let config: string;
let db: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sy-import-"));
  db = join(dir, "ledger.db");
  config = join(dir, "switchyard.yaml");
  writeFileSync(config, `storage: { url: "sqlite://${db}" }\n`);
  vi.spyOn(console, "log").mockImplementation(() => {});
});

function saved(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

async function storedIds(): Promise<string[]> {
  const store = new SqliteLedgerStore(db);
  await store.migrate();
  try {
    return (await store.recent({ limit: 1000 })).map((r) => r.id).sort();
  } finally {
    await store.close();
  }
}

it("imports every row once, keeps the client's request id, and skips ids already stored", async () => {
  const file = saved("a.jsonl", [JSON.stringify(row("r1")), JSON.stringify(row("r2", { request_id: "client-id", cost_usd: null, unpriced: true }))]);
  await runLedgerImport([file], { config });
  await runLedgerImport([file], { config });
  expect(await storedIds()).toEqual(["r1", "r2"]);
  expect(vi.mocked(console.log).mock.calls.map((call) => call[0])).toEqual([`${file}: 2 of 2 rows imported`, `${file}: 0 of 2 rows imported (2 were in the ledger already)`]);
  const store = new SqliteLedgerStore(db);
  await store.migrate();
  const rows = await store.recent({ limit: 10 });
  await store.close();
  expect(rows.find((r) => r.id === "r2")).toMatchObject({ request_id: "client-id", cost_usd: null, unpriced: true });
});

it("refuses a file with a line that is not a ledger row, naming it, and writes nothing from any file", async () => {
  const good = saved("good.jsonl", [JSON.stringify(row("g1"))]);
  const badField = saved("bad.jsonl", [JSON.stringify(row("b1")), JSON.stringify(row("b2", { input_tokens: -3 }))]);
  await expect(runLedgerImport([good, badField], { config })).rejects.toThrow(/bad\.jsonl:2: not a ledger row \(input_tokens: .*\); nothing was imported/);
  const notJson = saved("cut.jsonl", [JSON.stringify(row("c1")), '{"id":"c2","ts":']);
  await expect(runLedgerImport([notJson], { config })).rejects.toThrow(/cut\.jsonl:2: not JSON/);
  expect(() => readSavedRows(saved("extra.jsonl", [JSON.stringify({ ...row("e1"), surprise: 1 })]))).toThrow(/extra\.jsonl:1/);
  expect(await storedIds()).toEqual([]);
});

it("refuses a memory:// ledger, which no other process can reach", async () => {
  writeFileSync(config, `storage: { url: "memory://" }\n`);
  await expect(runLedgerImport([saved("m.jsonl", [JSON.stringify(row("m1"))])], { config })).rejects.toThrow(/memory:\/\//);
});
