/**
 * Notices that Redis lost the state's data while this process runs: restarted without persistence
 * (the default keeps nothing on disk) or from an older snapshot, flushed (FLUSHDB/FLUSHALL), its
 * keys evicted. Budgets seeded from the ledger (budget-seeds.ts) must then be seeded again, or every
 * key gets its budget back until the next period.
 *
 * A marker key `{prefix}generation` holds a random id, set when missing. Each instance remembers the
 * id it saw last, and the server's run_id: a different id (whoever set it) or another server process
 * means data may be gone, so every instance notices for itself. Checks stay off the request path:
 * - after each reconnection (Redis may be back empty, or a replica promoted);
 * - when Redis reports a flush or a change of the marker: a connection of its own receives CLIENT
 *   TRACKING's broadcasts for the marker's key, so a flush is noticed within a round trip;
 * - every CHECK_INTERVAL_MS (an unref'd timer): the backstop, and all there is on a Redis that has
 *   no tracking (before 6.0, or CLIENT not allowed).
 * The first two have cause and are announced while they run, so budgets wait one round trip for
 * the answer rather than admit against data that may be gone; a routine check is announced only
 * when it finds a loss.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { redisFailure } from "./redis-failure.js";
import { generationScript } from "./redis-scripts.js";
import type { SettleLog } from "./settle-retry.js";
import type { LossCheckListener } from "./state-store.js";
import { StateUnavailableError } from "./state-unavailable.js";

/** How often the marker is read when nothing gave cause to: the longest a flush goes unnoticed without tracking. */
export const CHECK_INTERVAL_MS = 2_000;
/** Where Redis sends tracking broadcasts to a RESP2 client that redirects them to itself. */
const INVALIDATE_CHANNEL = "__redis__:invalidate";

export interface RedisGenerationOptions {
  intervalMs?: number;
  /** Receive Redis's reports of flushes and marker changes on a connection of its own. Default true. */
  watchFlushes?: boolean;
  /** Told once when Redis cannot report flushes. */
  log?: Pick<SettleLog, "info">;
}

interface Seen {
  marker: string;
  /** The server process's run_id; undefined when INFO could not say. */
  runId: string | undefined;
}

export class RedisGeneration {
  private seen: Seen | undefined;
  private readonly listeners = new Set<LossCheckListener>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: Redis | undefined;
  private closed = false;
  private readonly onReconnect = () => void this.checkWithCause();

  constructor(
    private readonly redis: Redis,
    private readonly markerKey: string,
    private readonly options: RedisGenerationOptions = {},
  ) {}

  /** With the client connected: learns the generation, then watches for it to change. */
  async start(): Promise<void> {
    this.seen = { marker: await this.readMarker(), runId: await this.readRunId() };
    this.redis.on("ready", this.onReconnect);
    this.timer = setInterval(() => void this.routineCheck(), this.options.intervalMs ?? CHECK_INTERVAL_MS).unref();
    if (this.options.watchFlushes !== false) await this.watchFlushes();
  }

  onLossCheck(listener: LossCheckListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.redis.off("ready", this.onReconnect);
    this.watcher?.disconnect();
    this.watcher = undefined;
    this.listeners.clear();
  }

  /** A check with cause (a reconnection, a report, a script that found data gone), announced while it runs. */
  checkWithCause(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const lost = this.check(true);
    for (const listener of this.listeners) listener(lost);
    return lost;
  }

  private async routineCheck(): Promise<void> {
    if (this.closed || this.redis.status !== "ready") return;
    if (await this.check(false)) for (const listener of this.listeners) listener(Promise.resolve(true));
  }

  /**
   * Whether data was lost since the last check. Never rejects: a check Redis cannot answer finds
   * nothing, and the next one (at the reconnection, or the next tick) asks again.
   */
  private async check(withServer: boolean): Promise<boolean> {
    let marker: string;
    let runId: string | undefined;
    try {
      // Sent together: one round trip. Checks on one connection are answered in the order sent.
      [marker, runId] = await Promise.all([this.readMarker(), withServer ? this.readRunId() : undefined]);
    } catch {
      return false;
    }
    const before = this.seen!;
    runId ??= before.runId;
    this.seen = { marker, runId };
    return marker !== before.marker || (runId !== undefined && before.runId !== undefined && runId !== before.runId);
  }

  private async readMarker(): Promise<string> {
    return String(await generationScript.run(this.redis, [this.markerKey], [randomUUID()]));
  }

  private async readRunId(): Promise<string | undefined> {
    const info = await this.redis.info("server").catch(() => "");
    return /^run_id:(\w+)/m.exec(info)?.[1];
  }

  /** A second connection, told by Redis of every flush and every write to the marker. Best effort. */
  private async watchFlushes(): Promise<void> {
    const watcher = this.redis.duplicate({ lazyConnect: true, autoResubscribe: false });
    this.watcher = watcher;
    // The state's own connection reports outages; this one only reconnects with it.
    watcher.on("error", () => undefined);
    watcher.on("message", (channel: string) => channel === INVALIDATE_CHANNEL && void this.checkWithCause());
    try {
      await watcher.connect();
    } catch (error) {
      return this.withoutTracking(error);
    }
    if (!(await this.track(watcher))) return;
    // Reports sent while it was away are lost: check once tracking is back.
    watcher.on("ready", () => void this.track(watcher).then((tracking) => tracking && void this.checkWithCause()));
  }

  /** Broadcasts for the marker's key (and every flush) to this connection itself, over RESP2 pub/sub. */
  private async track(watcher: Redis): Promise<boolean> {
    try {
      const id = await watcher.client("ID");
      await watcher.call("CLIENT", "TRACKING", "ON", "REDIRECT", String(id), "BCAST", "PREFIX", this.markerKey);
      await watcher.subscribe(INVALIDATE_CHANNEL);
      return true;
    } catch (error) {
      // A connection lost meanwhile tries again at its next ready; a refusal is final.
      if (!this.closed && !(redisFailure(error) instanceof StateUnavailableError)) this.withoutTracking(error);
      return false;
    }
  }

  private withoutTracking(error: unknown): void {
    this.watcher?.disconnect();
    this.watcher = undefined;
    if (this.closed) return;
    const reason = error instanceof Error ? error.message : String(error);
    const interval = this.options.intervalMs ?? CHECK_INTERVAL_MS;
    this.options.log?.info({ reason }, `Redis does not report flushes to the state store (${reason}): a loss of its data is noticed within ${interval} ms`);
  }
}
