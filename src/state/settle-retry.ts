/**
 * Settles (`settleBudget`, `addTokens`) a shared store could not deliver, kept
 * and retried until the store answers again. A lost settle is not harmless: its
 * reservation stays held (for ever on a `total` budget), its spend or tokens go
 * uncounted, and the store disagrees with the ledger from then on.
 *
 * - Settles are increments (clamping `reserved` at 0 gives the same result in
 *   any order), so those of one budget period or one token second merge into one
 *   entry: memory grows with the keys in use during an outage, not the requests.
 * - While any wait, the store hands new settles here instead of sending them
 *   (`holding`), so none overtakes an earlier one of its key.
 * - Retries back off from 250 ms to 5 s, and go at once when the store says it is
 *   back (`wake`). Past `maxWaiting` entries, further settles are dropped.
 * - The log hears of an outage once (warn, with the count waiting), of its end
 *   (info), and of drops (error, with the count, at most every 10 s).
 * - At close, `finalAttempt` tries once more and `close` reports what is left.
 *
 * A healthy store never calls in here: the stores build a Settle only on failure.
 */
import { StateUnavailableError } from "./state-unavailable.js";
import { bucketOf } from "./token-window.js";

/** A settle as data, to send again and to merge with later ones of its key. */
export type Settle =
  | { op: "settleBudget"; scope: string; period: string; reservedMicros: number; actualMicros: number }
  | { op: "addTokens"; scope: string; tokens: number; now: number };

/** Where the retry reports (pino's Logger fits). */
export interface SettleLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SettleRetryOptions {
  log?: SettleLog;
  /** Entries (budget periods, token seconds) kept at most. */
  maxWaiting?: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** How long the attempt at close may take. */
  closeWaitMs?: number;
}

/** Plain lines on stderr, for a store given no logger. */
export const consoleSettleLog: SettleLog = {
  info: () => undefined,
  warn: (_fields, message) => console.warn(message),
  error: (_fields, message) => console.error(message),
};

interface Waiting { settle: Settle; count: number }

const DROP_LOG_INTERVAL_MS = 10_000;
const CONSEQUENCE = "budgets keep those reservations and miss that spend, token limits miss those tokens";

export class SettleRetry {
  private waiting = new Map<string, Waiting>();
  /** Settles the waiting entries stand for (merged ones count each). */
  private waitingCount = 0;
  private inFlight: Promise<void> | undefined;
  private inFlightCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private outage: { warned: boolean; applied: number } | undefined;
  private dropped = 0;
  private dropReason = "";
  private dropTimer: NodeJS.Timeout | undefined;
  private lastDropReport = -Infinity;
  /** No more scheduled retries (the store is closing); kept settles still count. */
  private closing = false;
  private closed = false;
  private readonly log: SettleLog;
  private readonly maxWaiting: number;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly closeWaitMs: number;

  constructor(
    private readonly send: (settle: Settle) => Promise<unknown>,
    options: SettleRetryOptions = {},
  ) {
    this.log = options.log ?? consoleSettleLog;
    this.maxWaiting = options.maxWaiting ?? 10_000;
    this.firstDelayMs = options.firstDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.closeWaitMs = options.closeWaitMs ?? 2_000;
    this.delayMs = this.firstDelayMs;
  }

  /** True while settles wait or are being retried: new ones then go to `keep`, behind them. */
  get holding(): boolean {
    return this.waitingCount !== 0 || this.inFlight !== undefined;
  }

  /** Settles waiting or in a retry now. */
  get size(): number {
    return this.waitingCount + this.inFlightCount;
  }

  /** Takes a settle the store could not deliver (or one that must queue behind such). */
  keep(settle: Settle): void {
    if (this.closed) return this.drop(1, "the state store is closed");
    if (!this.put(settle, 1, true)) return this.drop(1, `${this.maxWaiting} budget periods and token seconds already wait`);
    this.outage ??= { warned: false, applied: 0 };
    this.schedule(this.delayMs);
  }

  /** The store is back (Redis 'ready'): retry now rather than after the backoff. */
  wake(): void {
    if (this.waitingCount === 0 || this.inFlight || this.closing) return;
    this.delayMs = this.firstDelayMs;
    this.schedule(0, true);
  }

  /** At close: one more try of everything waiting, within `closeWaitMs`. Stops scheduled retries. */
  async finalAttempt(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = delay(this.closeWaitMs);
    try {
      if (this.inFlight) await Promise.race([this.inFlight, deadline.promise]);
      if (this.waitingCount !== 0 && !this.inFlight) await Promise.race([this.attempt(), deadline.promise]);
    } finally {
      deadline.cancel();
    }
  }

  /** Reports at error what was never applied, then drops it: retries end here. */
  close(): void {
    this.closing = this.closed = true;
    clearTimeout(this.timer);
    const left = this.waitingCount + this.inFlightCount;
    this.waiting.clear();
    this.waitingCount = 0;
    if (left > 0) {
      this.log.error({ notApplied: left }, `state store closed with ${left} budget and token settles not confirmed as applied (${CONSEQUENCE})`);
    }
    this.reportDrops();
  }

  private put(settle: Settle, count: number, bounded: boolean): boolean {
    const key = keyOf(settle);
    const earlier = this.waiting.get(key);
    if (earlier) {
      merge(earlier.settle, settle);
      earlier.count += count;
    } else if (bounded && this.waiting.size >= this.maxWaiting) {
      return false;
    } else {
      this.waiting.set(key, { settle, count });
    }
    this.waitingCount += count;
    return true;
  }

  private schedule(ms: number, now = false): void {
    if (this.closing || this.inFlight || (this.timer && !now)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attempt(), ms);
    this.timer.unref();
  }

  private attempt(): Promise<void> {
    this.timer = undefined;
    const batch = [...this.waiting.values()];
    this.waiting = new Map();
    this.inFlightCount = this.waitingCount;
    this.waitingCount = 0;
    const run = async () => {
      let failed = true;
      try {
        failed = await this.deliver(batch);
      } finally {
        this.inFlight = undefined;
        this.inFlightCount = 0;
        this.afterAttempt(failed);
      }
    };
    this.inFlight = run();
    return this.inFlight;
  }

  /** Sends a batch; what the store could not take goes back ahead of settles kept meanwhile. */
  private async deliver(batch: Waiting[]): Promise<boolean> {
    const results = await Promise.allSettled(batch.map((entry) => this.send(entry.settle)));
    if (this.closed) return false;
    this.inFlightCount = 0;
    const failed: Waiting[] = [];
    let reason: unknown;
    results.forEach((result, index) => {
      const entry = batch[index]!;
      if (result.status === "fulfilled") {
        if (this.outage) this.outage.applied += entry.count;
      } else if (result.reason instanceof StateUnavailableError) {
        failed.push(entry);
        reason ??= result.reason;
      } else {
        // The store answered with an error: sending it again would get the same answer.
        this.drop(entry.count, `the state store refused them: ${messageOf(result.reason)}`);
      }
    });
    if (failed.length === 0) return false;
    const later = this.waiting;
    this.waiting = new Map();
    this.waitingCount = 0;
    for (const entry of failed) this.put(entry.settle, entry.count, false);
    for (const entry of later.values()) this.put(entry.settle, entry.count, false);
    this.delayMs = Math.min(this.delayMs * 2, this.maxDelayMs);
    if (this.outage && !this.outage.warned) {
      this.outage.warned = true;
      this.log.warn(
        { waiting: this.waitingCount, reason: messageOf(reason) },
        `${messageOf(reason)}: ${this.waitingCount} budget and token settles wait, retried until it answers`,
      );
    }
    return true;
  }

  private afterAttempt(failed: boolean): void {
    if (this.closing) return;
    // Failed ones wait out the backoff; settles kept while the store was answering go at once.
    if (failed) return this.schedule(this.delayMs);
    this.delayMs = this.firstDelayMs;
    if (this.waitingCount !== 0) return this.schedule(0);
    if (this.outage) {
      this.log.info({ applied: this.outage.applied }, `state store answers again: ${this.outage.applied} waiting budget and token settles applied`);
    }
    this.outage = undefined;
    this.reportDrops();
  }

  private drop(count: number, reason: string): void {
    this.dropped += count;
    this.dropReason = reason;
    if (this.dropTimer) return;
    const wait = this.closed ? 0 : Math.max(0, this.lastDropReport + DROP_LOG_INTERVAL_MS - Date.now());
    this.dropTimer = setTimeout(() => this.reportDrops(), wait);
    this.dropTimer.unref();
  }

  private reportDrops(): void {
    clearTimeout(this.dropTimer);
    this.dropTimer = undefined;
    if (this.dropped === 0) return;
    this.log.error({ dropped: this.dropped }, `${this.dropped} budget and token settles dropped, ${this.dropReason} (${CONSEQUENCE})`);
    this.dropped = 0;
    this.lastDropReport = Date.now();
  }
}

/** One entry per budget period or token second of a scope ('\n' appears in neither). */
function keyOf(settle: Settle): string {
  return settle.op === "settleBudget" ? `b\n${settle.scope}\n${settle.period}` : `t\n${settle.scope}\n${bucketOf(settle.now)}`;
}

function merge(into: Settle, settle: Settle): void {
  if (into.op === "settleBudget" && settle.op === "settleBudget") {
    into.reservedMicros += settle.reservedMicros;
    into.actualMicros += settle.actualMicros;
  } else if (into.op === "addTokens" && settle.op === "addTokens") {
    into.tokens += settle.tokens;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { promise, cancel: () => clearTimeout(timer) };
}
