/**
 * Gives memory back to the operating system once the gateway goes quiet.
 * V8 keeps the heap it grew to under load (a full-size young generation,
 * old-space pages) until something asks for it back, so a proxy that served
 * one burst sits at its peak RSS for the rest of the night. After a quiet
 * spell, one memory-reducing full collection returns those pages; it runs
 * again only after the heap has grown since.
 *
 * The price: with no request in flight, that collection also drops the
 * optimized code of per-request closures, so the next burst runs colder for
 * a moment (~340 functions re-optimized, ≈ 0.5 s of extra CPU at 1,000
 * req/s). Hence a long default wait, and a short one only for the first trim,
 * when a freshly started gateway has nothing optimized to lose.
 */
import type { Logger } from "pino";

/** At most this many requests a second still counts as quiet (health checks, scrapes). */
const QUIET_REQUESTS_PER_SECOND = 1;
/** RSS must have grown this much since the last trim to trim again. */
const REGROWTH = 1.1;
/** The quiet spell before the first trim, at most: startup's garbage goes early. */
const FIRST_IDLE_MS = 10_000;

export interface RequestActivity {
  /** Requests started so far (monotonic). */
  requests(): number;
  inFlight(): number;
}

export interface TrimProbe extends RequestActivity {
  rss(): number;
  /** A full, memory-reducing collection. */
  collect(): Promise<void>;
}

/** The trim policy, driven by `check()` every `intervalMs`; separate from timers so it can be tested step by step. */
export class IdleHeapTrimmer {
  readonly intervalMs: number;
  private seenRequests: number;
  private quietMs = 0;
  private rssAfterTrim = 0;
  private trimmed = false;
  private busy = false;

  constructor(
    private readonly probe: TrimProbe,
    private readonly idleMs: number,
    private readonly onTrim: (before: number, after: number, ms: number) => void = () => {},
  ) {
    this.intervalMs = Math.max(1_000, Math.floor(Math.min(idleMs, FIRST_IDLE_MS) / 4));
    this.seenRequests = probe.requests();
  }

  /** One tick; resolves true when it trimmed. */
  async check(): Promise<boolean> {
    const requests = this.probe.requests();
    const quiet = requests - this.seenRequests <= (QUIET_REQUESTS_PER_SECOND * this.intervalMs) / 1_000 && this.probe.inFlight() === 0;
    this.seenRequests = requests;
    this.quietMs = quiet ? this.quietMs + this.intervalMs : 0;
    if (this.busy || this.quietMs < (this.trimmed ? this.idleMs : Math.min(this.idleMs, FIRST_IDLE_MS))) return false;
    const before = this.probe.rss();
    if (before <= this.rssAfterTrim * REGROWTH) return false;
    this.busy = true;
    const started = performance.now();
    try {
      await this.probe.collect();
    } finally {
      this.busy = false;
    }
    this.rssAfterTrim = this.probe.rss();
    this.trimmed = true;
    this.onTrim(before, this.rssAfterTrim, performance.now() - started);
    return true;
  }
}

/**
 * The collection the inspector's "collect garbage" button runs (all available
 * garbage, shrinking the young generation), through an in-process session: no
 * port is opened and no flag is needed. Plain `gc()` keeps the grown heap.
 */
export async function collectAllGarbage(): Promise<void> {
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  try {
    await new Promise<void>((resolve, reject) => session.post("HeapProfiler.collectGarbage", (error) => (error ? reject(error) : resolve())));
  } finally {
    // Disconnecting inside the session's own callback is not safe; a turn later it is.
    await new Promise<void>((resolve) => setImmediate(resolve));
    session.disconnect();
  }
}

/** Runs the policy on an unref'd timer (never keeps the process alive); returns a stop function. */
export function trimHeapWhenIdle(activity: RequestActivity, idleMs: number, log: Logger): () => void {
  const mb = (bytes: number) => Math.round(bytes / 1_048_576);
  const probe = { requests: () => activity.requests(), inFlight: () => activity.inFlight(), rss: () => process.memoryUsage.rss(), collect: collectAllGarbage };
  const trimmer = new IdleHeapTrimmer(probe, idleMs, (before, after, ms) =>
    log.debug(`idle: heap trimmed in ${Math.round(ms)} ms, RSS ${mb(before)} → ${mb(after)} MB`),
  );
  const timer = setInterval(() => {
    trimmer.check().catch((error: Error) => {
      clearInterval(timer);
      log.warn(`idle heap trimming is off: ${error.message}`);
    });
  }, trimmer.intervalMs).unref();
  return () => clearInterval(timer);
}
