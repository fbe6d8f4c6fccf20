/**
 * `LedgerWriter.close()` with a store that is down (failing or hanging): the rows
 * it did not take are saved to a JSON-lines file, not dropped.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { LedgerRow } from "./ledger-row.js";
import type { LedgerStore } from "./ledger-store.js";
import { LedgerWriter, type LedgerRowsSaved, type LedgerWriterEvent } from "./ledger-writer.js";
import { MemoryLedgerStore } from "./memory-store.js";

function row(i: number): LedgerRow {
  return {
    id: `req-${i}`, request_id: `req-${i}`, ts: 1_700_000_000_000 + i, key_id: `k${i % 3}`, requested_model: "smart",
    provider: "openai", model: "gpt-4o", status: 200, error_kind: null, attempts: 1, route: "/v1/chat/completions",
    stream: false, input_tokens: 1000, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 200,
    reasoning_tokens: 0, cost_usd: 0.004, unpriced: false, estimated: false, price_version: "2026-11-28.1",
    latency_ms: 120, ttft_ms: null,
  };
}

/** A batch-only store whose inserts fail (`"fail"`) or never settle (`"hang"`). */
function downStore(how: "fail" | "hang"): LedgerStore {
  const inner = new MemoryLedgerStore();
  return Object.assign(Object.create(inner) as LedgerStore, {
    insertNow: undefined,
    insert: () => (how === "fail" ? Promise.reject(new Error("connection refused")) : new Promise<void>(() => undefined)),
  });
}

const tmp = mkdtempSync(join(tmpdir(), "switchyard-unsaved-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fast = { flushIntervalMs: 5, retryInitialMs: 2, retryMaxMs: 20, closeTimeoutMs: 60 };
const readRows = (file: string) => readFileSync(file, "utf8").trimEnd().split("\n").map((line) => JSON.parse(line) as LedgerRow);

it("a failing store at close: every row is saved to a JSON-lines file and reported, none dropped", async () => {
  const dir = mkdtempSync(join(tmp, "fail-"));
  const events: LedgerWriterEvent[] = [];
  const saved: LedgerRowsSaved[] = [];
  const writer = new LedgerWriter(downStore("fail"), { ...fast, batchSize: 16, unsavedDir: dir, onError: (e) => events.push(e), onSaved: (e) => saved.push(e) });
  const rows = Array.from({ length: 40 }, (_, i) => row(i));
  for (const r of rows) writer.record(r);
  await writer.close();

  const files = readdirSync(dir);
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(new RegExp(`^switchyard-unsaved-ledger-\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z-${process.pid}\\.jsonl$`));
  const file = join(dir, files[0]!);
  expect(saved).toEqual([{ rows: 40, file, maybeWritten: 0 }]);
  expect(readRows(file)).toEqual(rows);
  expect(writer.stats()).toMatchObject({ queued: 0, written: 0, dropped: 0, saved: 40 });
  expect(events.some((e) => e.kind === "dropped")).toBe(false);
});

it("a store that hangs: close() still ends at its deadline and saves the rows, the pending batch included", async () => {
  const dir = mkdtempSync(join(tmp, "hang-"));
  const saved: LedgerRowsSaved[] = [];
  const writer = new LedgerWriter(downStore("hang"), { ...fast, batchSize: 10, unsavedDir: dir, onSaved: (e) => saved.push(e) });
  for (let i = 0; i < 25; i++) writer.record(row(i));
  const started = performance.now();
  await writer.close();
  expect(performance.now() - started).toBeLessThan(1_000);
  expect(saved).toEqual([{ rows: 25, file: expect.stringContaining(dir), maybeWritten: 10 }]);
  expect(readRows(saved[0]!.file).map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => `req-${i}`));
});

it("without onSaved, the file's path and row count go to stderr as an error-level JSON line", async () => {
  const dir = mkdtempSync(join(tmp, "stderr-"));
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const writer = new LedgerWriter(downStore("fail"), { ...fast, unsavedDir: dir });
    for (let i = 0; i < 3; i++) writer.record(row(i));
    await writer.close();
  } finally {
    process.stderr.write = write;
  }
  const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(logged).toEqual([expect.objectContaining({ level: 50, rows: 3, file: join(dir, readdirSync(dir)[0]!), msg: expect.stringContaining("saved to a file") })]);
});
