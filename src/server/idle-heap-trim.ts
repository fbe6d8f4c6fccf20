/**
 * Gives memory back to the operating system once the gateway goes quiet,
 * without throwing away the code that serves requests fast.
 * V8 keeps the heap it grew to under load (a full-size young generation,
 * old-space pages) until something asks for it back, so a proxy that served
 * one burst would sit at its peak RSS for the rest of the night. Steps:
 *
 * - From the first quiet tick, V8's own memory reducer is held back (it can
 *   only start its collections with incremental marking on, so that is off
 *   until the next request). About 8 s after a burst it would run up to
 *   three memory-reducing collections, and those drop the optimized code of
 *   per-request functions: every burst after a pause recompiled ~300 of them
 *   (+30-70 % CPU a request for the next seconds).
 * - Then the young generation (up to 32 MB resident after a burst) goes back
 *   by scavenges, one a tick until it has shrunk (at most four). V8 shrinks it
 *   at a collection when the allocation rate it measured up to the
 *   collection before was low, so the first scavenge records the quiet spell
 *   and the second usually acts on it.
 * - After a longer quiet spell, one memory-reducing full collection returns
 *   old-space pages too; it runs again only after the heap has grown since.
 *   It drops optimized code, hence a long default wait, and a short one only
 *   for the first trim, when a freshly started gateway has nothing optimized
 *   to lose.
 */
import type { Logger } from "pino";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** At most this many requests a second still counts as quiet (health checks, scrapes). */
const QUIET_REQUESTS_PER_SECOND = 1;
/** RSS must have grown this much since the last trim to trim again. */
const REGROWTH = 1.1;
/** The quiet spell before the first trim, at most: startup's garbage goes early. */
const FIRST_IDLE_MS = 10_000;
/** The quiet spell before the young generation goes back: longer than V8's 5 s allocation-rate window. */
const YOUNG_IDLE_MS = 7_500;
/** A young generation this small (V8 starts at ≈ 1 MB) is not worth a scavenge. */
const YOUNG_RELEASE_BYTES = 4 * 1_048_576;
/** Scavenges a quiet spell may spend on it: V8 usually shrinks it at the second. */
const MAX_SCAVENGES = 4;

export interface RequestActivity {
  /** Requests started so far (monotonic). */
  requests(): number;
  inFlight(): number;
  /** Calls `callback` once, when the next request arrives. */
  onNextRequest?(callback: () => void): void;
}

export interface TrimProbe extends RequestActivity {
  rss(): number;
  /** Resident bytes of V8's young generation. */
  youngGeneration(): number;
  /** A young-generation collection. */
  scavenge(): void;
  /** Holds V8's memory reducer back (true) or lets it run again (false). */
  holdMemoryReducer(held: boolean): void;
  /** A full, memory-reducing collection. */
  collect(): Promise<void>;
}

/** What a tick did: a full trim, the young generation's release, or nothing. */
export type TrimStep = "full" | "young" | undefined;

/** The trim policy, driven by `check()` every `intervalMs`; separate from timers so it can be tested step by step. */
export class IdleHeapTrimmer {
  readonly intervalMs: number;
  private seenRequests: number;
  private quietMs = 0;
  private rssAfterTrim = 0;
  private trimmed = false;
  private busy = false;
  /** Scavenges run in this quiet spell to release the young generation. */
  private scavenges = 0;
  private youngBefore = 0;
  private scavengeMs = 0;
  private reducerHeld = false;

  constructor(
    private readonly probe: TrimProbe,
    private readonly idleMs: number,
    /** Bytes before and after: RSS for a full trim, the young generation's for its release (the OS may see that later). */
    private readonly onTrim: (step: Exclude<TrimStep, undefined>, before: number, after: number, ms: number) => void = () => {},
  ) {
    this.intervalMs = Math.max(1_000, Math.floor(Math.min(idleMs, FIRST_IDLE_MS) / 4));
    this.seenRequests = probe.requests();
  }

  /** One tick; resolves to the step it took, if any. */
  async check(): Promise<TrimStep> {
    const requests = this.probe.requests();
    const quiet = requests - this.seenRequests <= (QUIET_REQUESTS_PER_SECOND * this.intervalMs) / 1_000 && this.probe.inFlight() === 0;
    this.seenRequests = requests;
    this.quietMs = quiet ? this.quietMs + this.intervalMs : 0;
    if (!quiet) {
      this.scavenges = 0;
      this.releaseReducer();
    } else this.holdReducer();
    if (this.busy) return undefined;
    if (this.quietMs >= (this.trimmed ? this.idleMs : Math.min(this.idleMs, FIRST_IDLE_MS))) {
      const rss = this.probe.rss();
      if (rss > this.rssAfterTrim * REGROWTH) return this.trimAll(rss);
    }
    return this.quietMs >= YOUNG_IDLE_MS ? this.releaseYoung() : undefined;
  }

  /** Lets V8's memory reducer run again; also called at the next request, so load never waits a tick for it. */
  releaseReducer(): void {
    if (!this.reducerHeld) return;
    this.reducerHeld = false;
    this.probe.holdMemoryReducer(false);
  }

  private holdReducer(): void {
    if (this.reducerHeld) return;
    this.reducerHeld = true;
    this.probe.holdMemoryReducer(true);
    this.probe.onNextRequest?.(() => this.releaseReducer());
  }

  private async trimAll(before: number): Promise<TrimStep> {
    this.busy = true;
    const started = performance.now();
    try {
      await this.probe.collect();
    } finally {
      this.busy = false;
    }
    this.rssAfterTrim = this.probe.rss();
    this.trimmed = true;
    this.scavenges = MAX_SCAVENGES; // the full collection shrank the young generation too
    this.onTrim("full", before, this.rssAfterTrim, performance.now() - started);
    return "full";
  }

  private releaseYoung(): TrimStep {
    if (this.scavenges >= MAX_SCAVENGES) return undefined;
    const young = this.probe.youngGeneration();
    if (young <= YOUNG_RELEASE_BYTES) return undefined;
    if (this.scavenges === 0) {
      this.youngBefore = young;
      this.scavengeMs = 0;
    }
    const started = performance.now();
    this.probe.scavenge();
    this.scavengeMs += performance.now() - started;
    this.scavenges++;
    const after = this.probe.youngGeneration();
    if (after > YOUNG_RELEASE_BYTES) return undefined;
    this.onTrim("young", this.youngBefore, after, this.scavengeMs);
    return "young";
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

/** Resident bytes of V8's young generation (both semi-spaces). */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.physical_space_size ?? 0;
}

let minorGc: NodeJS.GCFunction | undefined;

/** A scavenge, through V8's `gc` function: exposed for one new context only, so no flag is needed and no other code sees it. */
export function scavenge(): void {
  if (!minorGc) {
    if (typeof globalThis.gc === "function") minorGc = globalThis.gc;
    else {
      setFlagsFromString("--expose-gc");
      try {
        minorGc = runInNewContext("gc") as NodeJS.GCFunction;
      } finally {
        setFlagsFromString("--no-expose-gc");
      }
    }
  }
  minorGc({ type: "minor" });
}

/**
 * V8's memory reducer starts its collections only when incremental marking
 * may start, so turning that off holds it back. Turned on again at the next
 * request, so a full collection under load stays incremental. The reducer
 * keeps waiting meanwhile, and its watchdog (100 s since the last full
 * collection) may still start one memory-reducing collection at its first
 * 8 s tick under load; that one drops some optimized code (by hand, at a
 * paced 1,000 req/s: ≈ 90 functions compiled again in the round it hit,
 * against ≈ 4 in the others), once per 100 s at most instead of every pause.
 */
export function holdMemoryReducer(held: boolean): void {
  setFlagsFromString(held ? "--no-incremental-marking" : "--incremental-marking");
}

/** Runs the policy on an unref'd timer (never keeps the process alive); returns a stop function. */
export function trimHeapWhenIdle(activity: RequestActivity, idleMs: number, log: Logger): () => void {
  const mb = (bytes: number) => Math.round(bytes / 1_048_576);
  const probe: TrimProbe = {
    requests: () => activity.requests(),
    inFlight: () => activity.inFlight(),
    onNextRequest: activity.onNextRequest?.bind(activity),
    rss: () => process.memoryUsage.rss(),
    youngGeneration: youngGenerationBytes,
    scavenge,
    holdMemoryReducer,
    collect: collectAllGarbage,
  };
  const done = { full: "heap trimmed", young: "young generation released" };
  const measured = { full: "RSS", young: "young generation" };
  const trimmer = new IdleHeapTrimmer(probe, idleMs, (step, before, after, ms) =>
    log.debug(`idle: ${done[step]} in ${Math.round(ms)} ms, ${measured[step]} ${mb(before)} → ${mb(after)} MB`),
  );
  const timer = setInterval(() => {
    trimmer.check().catch((error: Error) => {
      clearInterval(timer);
      log.warn(`idle heap trimming is off: ${error.message}`);
    });
  }, trimmer.intervalMs).unref();
  return () => {
    clearInterval(timer);
    trimmer.releaseReducer();
  };
}
