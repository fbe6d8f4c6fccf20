import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LedgerRow } from "./ledger-row.js";
import type { LedgerStore, RecentQuery, SpendQuery } from "./ledger-store.js";
import { LedgerWriter, type LedgerWriterEvent } from "./ledger-writer.js";
import { MemoryLedgerStore } from "./memory-store.js";
import { openLedgerStore } from "./open-store.js";

function row(i: number): LedgerRow {
  return {
    id: `req-${i}`, request_id: `req-${i}`, ts: 1_700_000_000_000 + i, key_id: i % 3 === 0 ? null : `k${i % 7}`, requested_model: "smart",
    provider: "openai", model: "gpt-4o", status: 200, error_kind: null, attempts: 1, route: "/v1/chat/completions",
    stream: i % 2 === 0, input_tokens: 1000, cached_tokens: 400, cache_write_tokens: 0, output_tokens: 200,
    reasoning_tokens: 0, cost_usd: 0.004, unpriced: false, estimated: false, price_version: "2026-11-28.1",
    latency_ms: 120, ttft_ms: null,
  };
}

/** A batch-only store (no `insertNow`, so the writer queues) whose insert fails the first `failures` times, and records batch sizes. */
class FlakyStore implements LedgerStore {
  batches: number[] = [];
  private readonly inner = new MemoryLedgerStore();
  constructor(private failures: number) {}
  async insert(rows: readonly LedgerRow[]): Promise<void> {
    this.batches.push(rows.length);
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error("database is locked");
    }
    await this.inner.insert(rows);
  }
  recover(): void {
    this.failures = 0;
  }
  get size(): number {
    return this.inner.size;
  }
  migrate = () => this.inner.migrate();
  recent = (query?: RecentQuery) => this.inner.recent(query);
  spend = (query: SpendQuery) => this.inner.spend(query);
  close = () => this.inner.close();
}

const fast = { flushIntervalMs: 5, retryInitialMs: 2, retryMaxMs: 20 };
const tmp = mkdtempSync(join(tmpdir(), "switchyard-writer-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("LedgerWriter", () => {
  it("N concurrent records → exactly N rows after close", async () => {
    const store = await openLedgerStore("sqlite::memory:");
    const writer = new LedgerWriter(store, fast);
    const N = 2345;
    await Promise.all(Array.from({ length: N }, async (_, i) => {
      await new Promise((resolve) => setImmediate(resolve));
      writer.record(row(i));
    }));
    await writer.close();
    expect((await store.spend({ groupBy: "provider" }))[0]?.requests).toBe(N);
    expect(writer.stats()).toEqual({ queued: 0, written: N, failedWrites: 0, dropped: 0, saved: 0 });
    await store.close();
  });

  it("hands rows to a store in memory at once, without queueing them", async () => {
    const store = new MemoryLedgerStore();
    const writer = new LedgerWriter(store, fast);
    for (let i = 0; i < 3; i++) writer.record(row(i));
    expect(store.size).toBe(3); // synchronously: no timer, no flush
    expect(writer.stats()).toEqual({ queued: 0, written: 3, failedWrites: 0, dropped: 0, saved: 0 });
    await writer.close();
    writer.record(row(3));
    expect(store.size).toBe(3);
    expect(writer.stats()).toMatchObject({ written: 3, dropped: 1 });
  });

  it("a row the store refuses at once is queued and written with the batch path instead", async () => {
    const store = new FlakyStore(0);
    let refused = 0;
    const picky: LedgerStore = Object.assign(Object.create(store) as LedgerStore, {
      insertNow: () => {
        refused += 1;
        throw new Error("not now");
      },
      insert: (rows: readonly LedgerRow[]) => store.insert(rows),
    });
    const writer = new LedgerWriter(picky, fast);
    writer.record(row(1));
    expect(refused).toBe(1);
    expect(writer.stats()).toMatchObject({ queued: 1, written: 0 });
    await writer.close();
    expect(store.size).toBe(1);
    expect(writer.stats()).toEqual({ queued: 0, written: 1, failedWrites: 0, dropped: 0, saved: 0 });
  });

  it("writes full batches of batchSize, one insert each, and partial ones on the timer", async () => {
    const store = new FlakyStore(0);
    const writer = new LedgerWriter(store, { batchSize: 500, flushIntervalMs: 10 });
    for (let i = 0; i < 1200; i++) writer.record(row(i));
    await writer.flush();
    expect(store.batches).toEqual([500, 500, 200]);
    writer.record(row(5000));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(store.size).toBe(1201); // written by the timer, no flush call
    await writer.close();
  });

  it("record never throws and returns before any write happens", () => {
    const store = new FlakyStore(0);
    const writer = new LedgerWriter(store, fast);
    for (let i = 0; i < 1000; i++) writer.record(row(i));
    expect(store.batches).toEqual([]);
    expect(writer.stats().queued).toBe(1000);
    return writer.close();
  });

  it("a store failing for a while: rows stay queued, are retried with backoff, and all arrive once", async () => {
    const K = 4;
    const store = new FlakyStore(K);
    const events: LedgerWriterEvent[] = [];
    const writer = new LedgerWriter(store, { ...fast, batchSize: 100, onError: (e) => events.push(e) });
    for (let i = 0; i < 250; i++) writer.record(row(i));
    await writer.close();
    expect(store.size).toBe(250);
    expect(new Set((await store.recent({ limit: 1000 })).map((r) => r.id)).size).toBe(250);
    expect(writer.stats()).toEqual({ queued: 0, written: 250, failedWrites: K, dropped: 0, saved: 0 });
    const failures = events.filter((e) => e.kind === "write_failed");
    expect(failures).toHaveLength(K);
    expect(failures.map((e) => e.kind === "write_failed" && e.retryInMs)).toEqual([2, 4, 8, 16]);
  });

  it("keeps retrying on its own (no close) once the store recovers", async () => {
    const store = new FlakyStore(Number.POSITIVE_INFINITY);
    const writer = new LedgerWriter(store, { ...fast, batchSize: 10 });
    for (let i = 0; i < 30; i++) writer.record(row(i));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.size).toBe(0);
    expect(writer.stats().queued).toBe(30);
    store.recover();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.size).toBe(30);
    await writer.close();
  });

  it("beyond the bound, rows are dropped, counted and reported — never silently", async () => {
    const store = new FlakyStore(Number.POSITIVE_INFINITY);
    const events: LedgerWriterEvent[] = [];
    const writer = new LedgerWriter(store, { ...fast, maxQueued: 100, batchSize: 50, onError: (e) => events.push(e) });
    for (let i = 0; i < 150; i++) writer.record(row(i));
    expect(writer.stats()).toMatchObject({ queued: 100, dropped: 50 });
    await Promise.resolve();
    expect(events.filter((e) => e.kind === "dropped")).toEqual([{ kind: "dropped", rows: 50, reason: "queue_full", totalDropped: 50 }]);
    store.recover();
    await writer.close();
    expect(store.size).toBe(100);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 100, dropped: 50 });
  });

  it("close() awaits a write in progress", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const inner = new MemoryLedgerStore();
    const slow: LedgerStore = Object.assign(Object.create(inner) as LedgerStore, {
      insertNow: undefined,
      insert: async (rows: readonly LedgerRow[]) => { await gate; await inner.insert(rows); },
    });
    const writer = new LedgerWriter(slow, { ...fast, batchSize: 10 });
    for (let i = 0; i < 25; i++) writer.record(row(i));
    await new Promise((resolve) => setTimeout(resolve, 20)); // first batch is now in flight
    const closed = writer.close();
    setTimeout(release, 20);
    await closed;
    expect(inner.size).toBe(25);
  });

  it("close() gives up on a dead store after closeTimeoutMs and, when the rows cannot be saved to a file either, counts what it drops", async () => {
    const store = new FlakyStore(Number.POSITIVE_INFINITY);
    const events: LedgerWriterEvent[] = [];
    const writer = new LedgerWriter(store, { ...fast, closeTimeoutMs: 50, unsavedDir: join(tmp, "no-such-dir"), onError: (e) => events.push(e) });
    for (let i = 0; i < 7; i++) writer.record(row(i));
    await writer.close();
    expect(writer.stats()).toMatchObject({ queued: 0, written: 0, dropped: 7 });
    expect(events.at(-1)).toEqual({ kind: "dropped", rows: 7, reason: "close_timeout", totalDropped: 7 });
    writer.record(row(99));
    await Promise.resolve();
    expect(writer.stats().dropped).toBe(8);
    expect(events.at(-1)).toMatchObject({ kind: "dropped", rows: 1, reason: "closed" });
  });

  it("a throwing onError callback does not break the writer", async () => {
    const store = new FlakyStore(2);
    const writer = new LedgerWriter(store, { ...fast, onError: () => { throw new Error("logger down"); } });
    writer.record(row(1));
    await writer.close();
    expect(store.size).toBe(1);
  });

  it("throughput: 100k records + drain to a sqlite file", async () => {
    const store = await openLedgerStore(`sqlite://${join(tmp, "throughput.db")}`);
    const writer = new LedgerWriter(store);
    const N = 100_000;
    const rows = Array.from({ length: N }, (_, i) => row(i));
    const started = performance.now();
    // Requests finish across event-loop turns, not in one synchronous burst: yield every 1000.
    for (let i = 0; i < N; i++) {
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
      writer.record(rows[i]!);
    }
    await writer.close();
    const totalMs = performance.now() - started;
    const [total] = await store.spend({ groupBy: "provider" });
    expect(total?.requests).toBe(N);
    expect(writer.stats()).toEqual({ queued: 0, written: N, failedWrites: 0, dropped: 0, saved: 0 });
    await store.close();

    // record() alone: a synchronous burst into a writer whose store is never reached.
    const idle = new LedgerWriter(new FlakyStore(0), { maxQueued: N });
    const burst = performance.now();
    for (let i = 0; i < N; i++) idle.record(rows[i]!);
    const recordMs = performance.now() - burst;
    expect(idle.stats()).toMatchObject({ queued: N, dropped: 0, saved: 0 });
    await idle.close();
    console.log(
      `ledger writer: ${N} records + drain to a sqlite file in ${totalMs.toFixed(0)} ms (${Math.round(N / (totalMs / 1000))} rows/s); ` +
        `record() alone ${((recordMs * 1000) / N).toFixed(2)} µs per call`,
    );
  });
});
