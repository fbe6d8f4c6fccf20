/**
 * Writes ledger rows in batches, off the request path.
 *
 * `record()` is synchronous, O(1) and never throws: it appends to a bounded
 * in-memory queue. Batches go to the store when `batchSize` rows are queued or
 * every `flushIntervalMs` (an unref'd timer), one `insert` per batch. A failing
 * store is retried with exponential backoff while rows stay queued; once the
 * queue holds `maxQueued` rows, new rows are dropped, counted in `stats()` and
 * reported through `onError` — never silently. `close()` drains what it can.
 *
 * ```ts
 * const writer = new LedgerWriter(await openLedgerStore(config.storage.url), { onError: (e) => log.error(e) });
 * writer.record(row);        // per request
 * await writer.close();      // on shutdown, before closing the store
 * ```
 */
import type { LedgerRow } from "./ledger-row.js";
import type { LedgerStore } from "./ledger-store.js";

export interface LedgerWriterOptions {
  /** Rows held in memory (queued + being written) before new rows are dropped. Default 50,000. */
  maxQueued?: number;
  /** Rows per `insert`. Default 500. */
  batchSize?: number;
  /** Partial batches are written at least this often. Default 250 ms. */
  flushIntervalMs?: number;
  /** First retry delay after a failed write; doubles per consecutive failure. Default 100 ms. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How long `close()` keeps retrying a failing store before dropping what is left. Default 10 s. */
  closeTimeoutMs?: number;
  /** Storage failures and dropped rows. Must not throw (if it does, the error is swallowed). */
  onError?: (event: LedgerWriterEvent) => void;
}

export type LedgerWriterEvent =
  | { kind: "write_failed"; error: unknown; rows: number; consecutiveFailures: number; retryInMs: number }
  | { kind: "dropped"; rows: number; reason: DropReason; totalDropped: number };

export type DropReason = "queue_full" | "closed" | "close_timeout";

export interface LedgerWriterStats {
  /** Rows accepted but not yet written (including a batch being written). */
  queued: number;
  written: number;
  failedWrites: number;
  dropped: number;
}

export class LedgerWriter {
  private readonly store: LedgerStore;
  private readonly maxQueued: number;
  private readonly batchSize: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly closeTimeoutMs: number;
  private readonly onError: (event: LedgerWriterEvent) => void;
  /** Batches in arrival order; only the last one is still filling. */
  private readonly chunks: LedgerRow[][] = [];
  private queuedRows = 0;
  private inFlight = 0;
  private written = 0;
  private failedWrites = 0;
  private dropped = 0;
  private consecutiveFailures = 0;
  private unreportedDrops = 0;
  private lastDropReason: DropReason = "queue_full";
  private pumping: Promise<void> | undefined;
  private pumpScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly interval: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  private closed = false;

  constructor(store: LedgerStore, options: LedgerWriterOptions = {}) {
    this.store = store;
    this.maxQueued = options.maxQueued ?? 50_000;
    this.batchSize = options.batchSize ?? 500;
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 10_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.onError = options.onError ?? (() => undefined);
    this.interval = setInterval(() => {
      if (!this.retryTimer && this.queuedRows > 0) void this.pump();
    }, options.flushIntervalMs ?? 250);
    this.interval.unref();
  }

  /** Queues a row. Synchronous, O(1), never throws. */
  record(row: LedgerRow): void {
    try {
      if (this.closed) return this.drop(1, "closed");
      // A store in memory takes the row now: queued for up to a flush interval, row objects
      // would outlive two young-generation collections and be promoted, one per request.
      if (this.store.insertNow && this.queuedRows === 0 && this.inFlight === 0 && this.tryInsertNow(row)) return;
      if (this.queuedRows + this.inFlight >= this.maxQueued) return this.drop(1, "queue_full");
      let tail = this.chunks[this.chunks.length - 1];
      if (!tail || tail.length >= this.batchSize) {
        tail = [];
        this.chunks.push(tail);
      }
      tail.push(row);
      this.queuedRows += 1;
      if (this.queuedRows >= this.batchSize) this.schedulePump();
    } catch {
      // Unreachable in practice; the request path must never see a ledger error.
    }
  }

  /** False when the store refused the row: it then takes the queue's path, with its retries and reporting. */
  private tryInsertNow(row: LedgerRow): boolean {
    try {
      this.store.insertNow!(row);
    } catch {
      return false;
    }
    this.written += 1;
    return true;
  }

  stats(): LedgerWriterStats {
    return { queued: this.queuedRows + this.inFlight, written: this.written, failedWrites: this.failedWrites, dropped: this.dropped };
  }

  /** Writes everything queued now (awaiting a write in progress); stops early if the store fails. */
  async flush(): Promise<void> {
    await this.pump();
    if (this.queuedRows > 0 && !this.retryTimer) await this.pump();
  }

  /** Stops the timer and drains the queue, retrying a failing store until `closeTimeoutMs`. */
  close(): Promise<void> {
    this.closing ??= this.drainForClose();
    return this.closing;
  }

  private async drainForClose(): Promise<void> {
    clearInterval(this.interval);
    const deadline = Date.now() + this.closeTimeoutMs;
    for (;;) {
      await this.pump();
      if (this.queuedRows === 0) break;
      const wait = Math.min(this.backoffMs(), deadline - Date.now());
      if (wait <= 0) break;
      // A referenced timer: the process must stay up until the ledger is drained.
      this.clearRetry();
      await new Promise((resolve) => setTimeout(resolve, wait));
      this.clearRetry();
    }
    this.clearRetry();
    this.closed = true;
    const left = this.queuedRows;
    this.chunks.length = 0;
    this.queuedRows = 0;
    if (left > 0) this.drop(left, "close_timeout");
    this.reportDrops();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.pumping || this.retryTimer) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  /** One drain loop at a time; callers share it. */
  private pump(): Promise<void> {
    this.pumping ??= this.drain().finally(() => {
      this.pumping = undefined;
      if (this.queuedRows >= this.batchSize) this.schedulePump();
    });
    return this.pumping;
  }

  private async drain(): Promise<void> {
    while (this.queuedRows > 0 && !this.retryTimer) {
      const batch = this.chunks.shift()!;
      this.queuedRows -= batch.length;
      this.inFlight = batch.length;
      try {
        await this.store.insert(batch);
        this.written += batch.length;
        this.consecutiveFailures = 0;
      } catch (error) {
        this.chunks.unshift(batch);
        this.queuedRows += batch.length;
        this.failedWrites += 1;
        this.consecutiveFailures += 1;
        const retryInMs = this.backoffMs();
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          void this.pump();
        }, retryInMs);
        this.retryTimer.unref();
        this.emit({ kind: "write_failed", error, rows: batch.length, consecutiveFailures: this.consecutiveFailures, retryInMs });
      } finally {
        this.inFlight = 0;
      }
    }
  }

  private backoffMs(): number {
    return Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.max(0, this.consecutiveFailures - 1));
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Counts at once; reports once per burst (a microtask later) so an overload is not a callback storm. */
  private drop(rows: number, reason: DropReason): void {
    this.dropped += rows;
    this.lastDropReason = reason;
    if (this.unreportedDrops === 0) queueMicrotask(() => this.reportDrops());
    this.unreportedDrops += rows;
  }

  private reportDrops(): void {
    if (this.unreportedDrops === 0) return;
    const rows = this.unreportedDrops;
    this.unreportedDrops = 0;
    this.emit({ kind: "dropped", rows, reason: this.lastDropReason, totalDropped: this.dropped });
  }

  private emit(event: LedgerWriterEvent): void {
    try {
      this.onError(event);
    } catch {
      // A faulty callback must not stop the ledger.
    }
  }
}
