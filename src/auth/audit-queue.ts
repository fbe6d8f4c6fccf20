/**
 * The write-behind queue of the database audit stores (SQLite, PostgreSQL).
 * `record` only queues, so a flood of denied requests costs each request an
 * array push; the queue is written shortly after in one batch. A full queue
 * or a failed write drops events (counted in `dropped`) rather than grow
 * without bound or stall requests.
 */
import { completeAuditEvent, type AuditEvent, type AuditEventInput, type AuditQuery, type AuditStore } from "./audit-log.js";

export interface AuditQueueOptions {
  /** Delay between the first queued event and the write (ms). */
  flushDelayMs?: number;
  /** Events queued beyond this are dropped until the next write. */
  maxQueued?: number;
  now?: () => number;
  /** Told about a failed write (the batch is dropped); defaults to ignoring it. */
  onError?: (error: unknown) => void;
}

export abstract class QueuedAuditStore implements AuditStore {
  private queue: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private droppedCount = 0;
  private readonly flushDelayMs: number;
  private readonly maxQueued: number;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private readonly denials = new DenialSampler();
  private summaryTimer: NodeJS.Timeout | undefined;

  constructor(options: AuditQueueOptions) {
    this.flushDelayMs = options.flushDelayMs ?? 100;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.now = options.now ?? (() => Date.now());
    this.onError = options.onError ?? (() => {});
  }

  /** Writes what is queued now. */
  abstract flush(): void | Promise<void>;
  abstract list(query?: AuditQuery): Promise<AuditEvent[]>;

  /** Events dropped because the queue was full or a write failed. */
  get dropped(): number {
    return this.droppedCount;
  }

  record(input: AuditEventInput): AuditEvent {
    const now = this.now();
    const event = completeAuditEvent(input, now);
    if (input.action === "request.denied" && !this.denials.admit(now, (summary) => this.enqueue(completeAuditEvent(summary, now)))) {
      // The flood's summary is written once its second is over, even if no denial follows.
      this.summaryTimer ??= setTimeout(() => this.summarizeDenials(), 1_001 - (now % 1_000)).unref();
      return event;
    }
    return this.enqueue(event);
  }

  private summarizeDenials(): void {
    clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    const now = this.now();
    this.denials.summarize((summary) => this.enqueue(completeAuditEvent(summary, now)));
  }

  private enqueue(event: AuditEvent): AuditEvent {
    if (this.closed || this.queue.length >= this.maxQueued) {
      this.droppedCount++;
      return event;
    }
    this.queue.push(event);
    this.timer ??= setTimeout(() => void this.flush(), this.flushDelayMs).unref();
    return { ...event };
  }

  /** Stops accepting events and starts writing the queue. */
  close(): void {
    if (this.closed) return;
    this.summarizeDenials();
    void this.flush();
    this.closed = true;
  }

  /** Stops the flush timer and hands over what is queued. */
  protected takeQueued(): AuditEvent[] {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    return batch;
  }

  /** Counts a batch that could not be written and reports why. */
  protected lost(batch: AuditEvent[], error: unknown): void {
    this.droppedCount += batch.length;
    this.onError(error);
  }
}

/** Denied requests recorded one by one each second, at most; a flood of them is summed up. */
export const MAX_DENIALS_PER_SECOND = 20;

/**
 * Anyone can make denied requests (a 401 needs no credential), and each would be
 * a row in the database: past MAX_DENIALS_PER_SECOND in a second, the rest are
 * counted, and one event says how many, so a flood cannot grow the store at its rate.
 */
class DenialSampler {
  private second = -1;
  private inSecond = 0;
  private skipped = 0;

  /** Whether this denial is recorded; `summarize` receives the count skipped since the last summary. */
  admit(now: number, summarize: (summary: AuditEventInput) => void): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.summarize(summarize);
      this.second = second;
      this.inSecond = 0;
    }
    if (this.inSecond >= MAX_DENIALS_PER_SECOND) {
      this.skipped++;
      return false;
    }
    this.inSecond++;
    return true;
  }

  /** Sums up the denials skipped so far, if any, in one event. */
  summarize(summarize: (summary: AuditEventInput) => void): void {
    if (this.skipped === 0) return;
    summarize({ actor: "system", action: "request.denied", key_prefix: null, target: null, reason: `${this.skipped} more denied requests were not recorded one by one (over ${MAX_DENIALS_PER_SECOND} a second)`, status: null, request_id: null });
    this.skipped = 0;
  }
}
