/**
 * Writes ledger rows in batches, off the request path.
 *
 * `record()` is synchronous, O(1) and never throws: it appends to a bounded
 * in-memory queue. Batches go to the store when `batchSize` rows are queued or
 * every `flushIntervalMs` (an unref'd timer), one `insert` per batch. A failing
 * store is retried with exponential backoff while rows stay queued; once the
 * queue holds `maxQueued` rows, new rows are dropped, counted in `stats()` and
 * reported through `onError` — never silently. `close()` drains what it can and
 * saves what the store did not take by its deadline to a JSON-lines file
 * (`switchyard-unsaved-ledger-<time>-<pid>.jsonl`), one row per line as the store
 * would hold it; ids are unique, so loading the file skips rows already written.
 *
 * ```ts
 * const writer = new LedgerWriter(await openLedgerStore(config.storage.url), { onError: (e) => log.error(e) });
 * writer.record(row);        // per request
 * await writer.close();      // on shutdown, before closing the store
 * ```
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { PRIVATE_FILE_MODE } from "../core/private-file.js";
import { within } from "../core/within.js";
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
  /**
   * How long `close()` keeps retrying a failing (or hanging) store before saving what is left to a
   * file. Default 2.5 s: after the default 25 s shutdown grace, within Kubernetes' 30 s before SIGKILL.
   */
  closeTimeoutMs?: number;
  /** Where `close()` saves rows the store did not take. Default: the working directory. */
  unsavedDir?: string;
  /** Storage failures and dropped rows. Must not throw (if it does, the error is swallowed). */
  onError?: (event: LedgerWriterEvent) => void;
  /**
   * Rows `close()` saved to a file instead of the store. Default: one error-level JSON line on
   * stderr, so the file is never silent. Must not throw.
   */
  onSaved?: (event: LedgerRowsSaved) => void;
}

/** Rows that missed the store at `close()`, saved to `file` (JSON lines). */
export interface LedgerRowsSaved {
  rows: number;
  file: string;
  /** Rows of a write still pending at the deadline: they may be in the store as well. */
  maybeWritten: number;
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
  /** Rows `close()` saved to a file because the store did not take them (see `LedgerRowsSaved`). */
  saved: number;
}

export class LedgerWriter {
  private readonly store: LedgerStore;
  private readonly maxQueued: number;
  private readonly batchSize: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly closeTimeoutMs: number;
  private readonly onError: (event: LedgerWriterEvent) => void;
  private readonly onSaved: (event: LedgerRowsSaved) => void;
  private readonly unsavedDir: string;
  /** Batches in arrival order; only the last one is still filling. */
  private readonly chunks: LedgerRow[][] = [];
  private queuedRows = 0;
  private inFlight = 0;
  /** The batch being written, if any. */
  private writing: readonly LedgerRow[] | undefined;
  private written = 0;
  private failedWrites = 0;
  private dropped = 0;
  private saved = 0;
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
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2_500;
    this.onError = options.onError ?? (() => undefined);
    this.onSaved = options.onSaved ?? logSavedToStderr;
    this.unsavedDir = options.unsavedDir ?? ".";
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
    return { queued: this.queuedRows + this.inFlight, written: this.written, failedWrites: this.failedWrites, dropped: this.dropped, saved: this.saved };
  }

  /** Writes everything queued now (awaiting a write in progress); stops early if the store fails. */
  async flush(): Promise<void> {
    await this.pump();
    if (this.queuedRows > 0 && !this.retryTimer) await this.pump();
  }

  /** Stops the timer and drains the queue, retrying a failing store until `closeTimeoutMs`, then saves the rest to a file. */
  close(): Promise<void> {
    this.closing ??= this.drainForClose();
    return this.closing;
  }

  private async drainForClose(): Promise<void> {
    clearInterval(this.interval);
    const deadline = Date.now() + this.closeTimeoutMs;
    for (;;) {
      // Bounded: a store that hangs instead of failing must not hold the shutdown past the deadline.
      if (!(await within(deadline - Date.now(), this.pump()))) break;
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
    const pending = this.writing ?? [];
    const left = this.chunks.flat();
    this.chunks.length = 0;
    this.queuedRows = 0;
    if (left.length + pending.length > 0) this.save([...pending, ...left], pending.length);
    this.reportDrops();
  }

  /** Rows the store did not take go to a local file; only if that fails too are they dropped. */
  private save(rows: LedgerRow[], maybeWritten: number): void {
    const file = resolve(this.unsavedDir, `switchyard-unsaved-ledger-${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}.jsonl`);
    try {
      // `wx`: never append to, or replace, a file saved before.
      writeFileSync(file, rows.map((row) => JSON.stringify(row)).join("\n") + "\n", { flag: "wx", mode: PRIVATE_FILE_MODE });
    } catch {
      this.drop(rows.length, "close_timeout");
      return;
    }
    this.saved += rows.length;
    try {
      this.onSaved({ rows: rows.length, file, maybeWritten });
    } catch {
      // A faulty callback must not lose the rows, which are saved already.
    }
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
      this.writing = batch;
      try {
        await this.store.insert(batch);
        this.written += batch.length;
        this.consecutiveFailures = 0;
      } catch (error) {
        // Closed while this write hung: the batch is in the unsaved-rows file already.
        if (this.closed) return;
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
        this.writing = undefined;
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


/** The default `onSaved`: an error line shaped like the gateway's JSON logs. */
function logSavedToStderr(event: LedgerRowsSaved): void {
  const msg = "ledger rows the store did not take before shutdown were saved to a file; load them into the ledger (ids are unique)";
  process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), service: "switchyard", ...event, msg })}\n`);
}
