/**
 * The shared StateStore: budgets and rate limits in Redis, so every gateway
 * instance and worker sees one truth. Each operation is one Lua script on one
 * key (atomic, one round trip). Keys:
 *   {prefix}budget:{scope}:{period}  hash spent/reserved, expires 7 days after the period
 *   {prefix}rpm:{scope}              GCRA TAT (epoch µs), expires when the quota is full again
 *   {prefix}tpm:{scope}              hash second → tokens, expires with its newest bucket
 *   {prefix}generation               random id that tells a loss of the data (redis-generation.ts)
 * `now` comes from the caller, so instances should keep their clocks in sync (NTP).
 * While Redis cannot answer, calls fail with a StateUnavailableError, and settles
 * are kept and retried until it answers again (settle-retry.ts).
 *
 * @example const state = new RedisStateStore("redis://127.0.0.1:6379/0"); await state.connect();
 */
import { Redis, type RedisOptions } from "ioredis";
import { within } from "../core/within.js";
import { budgetExpiresAt } from "./budget-retention.js";
import { redisFailure } from "./redis-failure.js";
import { RedisGeneration } from "./redis-generation.js";
import { RedisWrites } from "./redis-writes.js";
import { burstToleranceUs, emissionIntervalUs, gcraDecision } from "./gcra.js";
import type { LuaScript, ScriptArg } from "./lua-script.js";
import {
  addTokensScript,
  allScripts,
  checkTokensScript,
  raiseSpentScript,
  reserveBudgetScript,
  settleBudgetScript,
  takeRequestScript,
} from "./redis-scripts.js";
import { consoleSettleLog, SettleRetry, type Settle, type SettleLog } from "./settle-retry.js";
import { assertCount, assertInteger, assertLimit, assertMicros, assertPeriod, assertScope, toEpochMs } from "./state-input.js";
import type { BudgetReservation, BudgetUsage, LossCheckListener, RateDecision, StateStore } from "./state-store.js";
import { answerWithin, StateUnavailableError } from "./state-unavailable.js";
import { allowedTokens, bucketExpiresAt, bucketOf, oldestLiveBucket, tokenWindowDecision, withReserved } from "./token-window.js";

/** Budget hashes remembered as written (a key and period each). */
const MAX_KNOWN_BUDGETS = 100_000;
/** How long a request waits for Redis to answer its limits and budget before it is refused as an outage (503). */
const ANSWER_TIMEOUT_MS = 3_000;
/** At close, how long settles still waiting may wait for a reconnecting client before their last attempt. */
const CLOSE_RECONNECT_WAIT_MS = 2_000;

export interface RedisStateStoreOptions {
  /** Clock for budget key expiry (rate methods take `now` explicitly). Default `Date.now`. */
  clock?: () => number;
  /** Connection errors after startup (Redis restarting, network); commands fail meanwhile. */
  onError?: (error: Error) => void;
  /** Where settles kept during an outage are reported (pino's Logger fits). Default: `onError`, else stderr. */
  log?: SettleLog;
  /** Extra ioredis options (TLS, timeouts). */
  redis?: RedisOptions;
  /** How long a request-path call waits for an answer (default ANSWER_TIMEOUT_MS). */
  answerTimeoutMs?: number;
}

export class RedisStateStore implements StateStore {
  private readonly redis: Redis;
  private readonly clock: () => number;
  private lastError: Error | undefined;
  private readonly writes: RedisWrites;
  private readonly retry: SettleRetry;
  private readonly generation: RedisGeneration;
  private readonly knownBudgets = new Set<string>();
  private readonly answerTimeoutMs: number;

  constructor(
    private readonly url: string,
    readonly keyPrefix = "sy:",
    options: RedisStateStoreOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.answerTimeoutMs = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
    this.redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 3_000,
      // Governance calls sit on the request path: fail fast while Redis is away instead of queueing.
      // Without the offline queue a call made while disconnected fails at once (a 503 in ms, not after
      // the next reconnection attempt); settles that fail so are kept and retried (settle-retry.ts).
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      ...options.redis,
    });
    this.writes = new RedisWrites(this.redis);
    const log = options.log ?? logThrough(options.onError);
    this.retry = new SettleRetry((settle) => this.resend(settle), { log });
    this.generation = new RedisGeneration(this.redis, `${keyPrefix}generation`, { log });
    // A loss found by a report or a check: no hash written before it is known to exist any more.
    this.generation.onLossCheck((lost) => void lost.then((wasLost) => wasLost && this.knownBudgets.clear()));
    this.redis.on("error", (error: Error) => {
      this.lastError = error;
      options.onError?.(error);
    });
    this.redis.on("ready", () => this.retry.wake());
  }

  /** Connects, checks the server with PING, loads the scripts and learns the data's generation. Throws a clear, credential-free error. */
  async connect(): Promise<void> {
    try {
      if (this.redis.status === "wait") await this.redis.connect();
      await this.redis.ping();
      for (const script of allScripts) await script.load(this.redis);
      await this.generation.start();
    } catch (error) {
      this.generation.close();
      this.redis.disconnect();
      const cause = this.lastError ?? error;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`Cannot use the Redis state store at ${describeRedisUrl(this.url)}: ${reason}`, { cause });
    }
  }

  async reserveBudget(scope: string, period: string, amountMicros: number, limitMicros: number): Promise<BudgetReservation> {
    assertMicros("amountMicros", amountMicros);
    assertMicros("limitMicros", limitMicros);
    const key = this.budgetKey(scope, period);
    const known = this.knownBudgets.has(key) ? 1 : 0;
    const reply = await this.run(reserveBudgetScript, key, [amountMicros, limitMicros, this.budgetTtlMs(period), known]);
    if (!Array.isArray(reply) || reply.length !== 3) throw unexpectedReply();
    const [admitted, spent, reserved] = reply.map(Number) as [number, number, number];
    if (admitted === -1) {
      this.knownBudgets.clear();
      await this.generation.checkWithCause();
      return { ok: false, lost: true, spentMicros: 0, reservedMicros: 0 };
    }
    if (admitted === 1) this.rememberBudget(key);
    return { ok: admitted === 1, spentMicros: spent, reservedMicros: reserved };
  }

  async settleBudget(scope: string, period: string, reservedMicros: number, actualMicros: number): Promise<void> {
    assertMicros("reservedMicros", reservedMicros);
    assertMicros("actualMicros", actualMicros);
    const key = this.budgetKey(scope, period);
    // Behind settles kept during an outage, so none of its key is overtaken.
    if (this.retry.holding) return this.retry.keep({ op: "settleBudget", scope, period, reservedMicros, actualMicros });
    try {
      await this.runLater(settleBudgetScript, key, [-reservedMicros, actualMicros, this.budgetTtlMs(period)]);
    } catch (error) {
      if (!(error instanceof StateUnavailableError)) throw error;
      this.retry.keep({ op: "settleBudget", scope, period, reservedMicros, actualMicros });
    }
  }

  async raiseSpent(scope: string, period: string, spentMicros: number): Promise<void> {
    assertMicros("spentMicros", spentMicros);
    const key = this.budgetKey(scope, period);
    await this.run(raiseSpentScript, key, [spentMicros, this.budgetTtlMs(period)]);
    if (spentMicros > 0) this.rememberBudget(key);
  }

  async budgetUsage(scope: string, period: string): Promise<BudgetUsage> {
    this.writes.flush();
    const key = this.budgetKey(scope, period);
    const [spent, reserved] = await answerWithin(this.redis.hmget(key, "spent", "reserved"), this.answerTimeoutMs).catch((error: unknown) => {
      throw redisFailure(error);
    });
    return { spentMicros: Number(spent ?? 0), reservedMicros: Number(reserved ?? 0) };
  }

  async takeRequest(scope: string, limitPerMinute: number, now: number): Promise<RateDecision> {
    assertScope(scope);
    assertLimit("limitPerMinute", limitPerMinute);
    const nowUs = toEpochMs(now) * 1000;
    const args = [nowUs, emissionIntervalUs(limitPerMinute), burstToleranceUs(limitPerMinute)];
    const reply = await this.run(takeRequestScript, `${this.keyPrefix}rpm:${scope}`, args);
    if (!Array.isArray(reply) || reply.length !== 2) throw unexpectedReply();
    return gcraDecision(Number(reply[0]) === 1, Number(reply[1]), nowUs, limitPerMinute);
  }

  async checkTokens(scope: string, limitPerMinute: number, now: number, reserve = 0): Promise<RateDecision> {
    assertScope(scope);
    assertLimit("limitPerMinute", limitPerMinute);
    assertCount("reserve", reserve);
    const at = toEpochMs(now);
    const [second, , ttlMs, oldest] = tokensArgs(reserve, at);
    const reply = await this.run(checkTokensScript, `${this.keyPrefix}tpm:${scope}`, [oldest, limitPerMinute, reserve, second, ttlMs]);
    if (!Array.isArray(reply) || reply.length < 2) throw unexpectedReply();
    const [used, newest] = [Number(reply[0]), Number(reply[1])];
    if (used < limitPerMinute) return withReserved(allowedTokens(used, newest < 0 ? undefined : newest, limitPerMinute, at), reserve, at);
    const buckets: Array<[number, number]> = [];
    for (let i = 2; i + 1 < reply.length; i += 2) buckets.push([Number(reply[i]), Number(reply[i + 1])]);
    return tokenWindowDecision(buckets, limitPerMinute, at);
  }

  async addTokens(scope: string, tokens: number, now: number): Promise<void> {
    assertScope(scope);
    assertInteger("tokens", tokens);
    const at = toEpochMs(now);
    if (tokens === 0) return;
    if (this.retry.holding) return this.retry.keep({ op: "addTokens", scope, tokens, now: at });
    try {
      await this.runLater(addTokensScript, `${this.keyPrefix}tpm:${scope}`, tokensArgs(tokens, at));
    } catch (error) {
      if (!(error instanceof StateUnavailableError)) throw error;
      this.retry.keep({ op: "addTokens", scope, tokens, now: at });
    }
  }

  /** Redis may lose its data while this process runs: see redis-generation.ts. */
  onLossCheck(listener: LossCheckListener): () => void {
    return this.generation.onLossCheck(listener);
  }

  /** Settles still kept for retry (tests, metrics). */
  get settlesWaiting(): number {
    return this.retry.size;
  }

  /** Sends held and kept settles a last time, then closes; what could not be sent is logged at error. */
  async close(): Promise<void> {
    this.generation.close();
    this.writes.flush();
    // Commands fail at once while the client reconnects (no offline queue): settles still waiting get
    // the reconnection's chance before their last attempt.
    if (this.retry.holding) await this.readyWithin(CLOSE_RECONNECT_WAIT_MS);
    if (this.redis.status !== "end") await this.retry.finalAttempt();
    if (this.redis.status === "end") {
      // already closed
    } else if (this.redis.status !== "ready") {
      this.redis.disconnect();
    } else if (!(await within(CLOSE_RECONNECT_WAIT_MS, this.redis.quit().catch(() => undefined)))) {
      // A server that stopped answering on an open connection never acknowledges QUIT.
      this.redis.disconnect();
    }
    // Settles the disconnect cut short reach the retry before it reports.
    await new Promise((resolve) => setImmediate(resolve));
    this.retry.close();
  }

  /** Resolves once the client is connected, or after `ms` (or at once when it has given up). */
  private readyWithin(ms: number): Promise<void> {
    if (this.redis.status === "ready" || this.redis.status === "end") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off("ready", done);
        this.redis.off("end", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.redis.once("ready", done);
      this.redis.once("end", done);
    });
  }

  /** A kept settle, sent again now (not held: it has waited long enough). */
  private resend(settle: Settle): Promise<unknown> {
    if (settle.op === "settleBudget") {
      const args = [-settle.reservedMicros, settle.actualMicros, this.budgetTtlMs(settle.period)];
      return this.writes.now(this.sender(settleBudgetScript, this.budgetKey(settle.scope, settle.period), args));
    }
    return this.writes.now(this.sender(addTokensScript, `${this.keyPrefix}tpm:${settle.scope}`, tokensArgs(settle.tokens, settle.now)));
  }

  /** Budget hashes written in this generation of the data: gone later means lost (bounded; forgetting only skips the check). */
  private rememberBudget(key: string): void {
    if (this.knownBudgets.size >= MAX_KNOWN_BUDGETS) this.knownBudgets.clear();
    this.knownBudgets.add(key);
  }

  private budgetKey(scope: string, period: string): string {
    assertScope(scope);
    assertPeriod(period);
    return `${this.keyPrefix}budget:${scope}:${period}`;
  }

  /** 0 = never expires ("total" and custom periods). */
  private budgetTtlMs(period: string): number {
    const now = this.clock();
    const expiresAt = budgetExpiresAt(period, now);
    return Number.isFinite(expiresAt) ? Math.max(1, Math.ceil(expiresAt - now)) : 0;
  }

  /**
   * A script whose answer the request waits for: sent in this turn's write, and waited for at most
   * answerTimeoutMs. (A kept settle is resent without the limit: nobody waits for it, and one sent
   * again after a timeout could count twice.)
   */
  private run(script: LuaScript, key: string, args: readonly number[]): Promise<unknown> {
    return answerWithin(this.writes.now(this.sender(script, key, args)), this.answerTimeoutMs);
  }

  /** A script nobody waits for on the request path: sent with the next write (redis-writes.ts). */
  private runLater(script: LuaScript, key: string, args: readonly number[]): Promise<unknown> {
    return this.writes.later(this.sender(script, key, args));
  }

  private sender(script: LuaScript, key: string, args: readonly number[]): () => Promise<unknown> {
    return () => script.run(this.redis, [key], args.map((arg): ScriptArg => String(arg)));
  }
}

/** True when a Redis server answers PING at `url` within the timeout; never throws, never retries. */
export async function redisReachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** The URL without credentials, for messages. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch {
    return "(unparseable Redis URL)";
  }
}

/** addTokens' script arguments: second, tokens, TTL ms, oldest live second. */
function tokensArgs(tokens: number, at: number): [number, number, number, number] {
  const bucket = bucketOf(at);
  return [bucket, tokens, Math.max(1, bucketExpiresAt(bucket) - at), oldestLiveBucket(at)];
}

/** A SettleLog through the store's `onError` (all at error level), for callers that give no logger. */
function logThrough(onError: ((error: Error) => void) | undefined): SettleLog {
  if (!onError) return consoleSettleLog;
  return { info: () => undefined, warn: (_fields, message) => onError(new Error(message)), error: (_fields, message) => onError(new Error(message)) };
}

function unexpectedReply(): Error {
  return new Error("Redis state store: unexpected script reply");
}
