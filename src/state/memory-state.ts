/**
 * The single-process StateStore. Each method does all its work synchronously
 * before its promise settles, so no other call can interleave: atomic without
 * locks. Expired periods and windows are swept at most once a minute, so
 * memory tracks the live keys only.
 *
 * @example const state = new MemoryStateStore(); await state.takeRequest("key_1", 60, Date.now());
 */
import { budgetExpiresAt } from "./budget-retention.js";
import { gcraDecision, gcraStep } from "./gcra.js";
import { assertCount, assertInteger, assertLimit, assertMicros, assertPeriod, assertScope, toEpochMs } from "./state-input.js";
import { RATE_WINDOW_MS, type BudgetReservation, type BudgetUsage, type RateDecision, type StateStore } from "./state-store.js";
import { bucketOf, oldestLiveBucket, tokenWindowDecision, withReserved } from "./token-window.js";

export interface MemoryStateStoreOptions {
  /** Clock for expiring budget periods (rate methods take `now` explicitly). Default `Date.now`. */
  clock?: () => number;
}

interface BudgetEntry {
  spent: number;
  reserved: number;
  expiresAt: number;
}

export interface MemoryStateStats {
  budgets: number;
  requestLimits: number;
  tokenWindows: number;
}

export class MemoryStateStore implements StateStore {
  private readonly clock: () => number;
  private readonly budgets = new Map<string, BudgetEntry>();
  /** scope → GCRA theoretical arrival time, epoch µs. */
  private readonly requestTats = new Map<string, number>();
  /** scope → (second → tokens). */
  private readonly tokenWindows = new Map<string, Map<number, number>>();
  private latestNow = 0;
  private lastRateSweep = 0;
  private lastBudgetSweep = 0;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  async reserveBudget(scope: string, period: string, amountMicros: number, limitMicros: number): Promise<BudgetReservation> {
    assertMicros("amountMicros", amountMicros);
    assertMicros("limitMicros", limitMicros);
    const entry = this.budgetEntry(scope, period);
    const ok = entry.spent + entry.reserved + amountMicros <= limitMicros;
    if (ok) entry.reserved += amountMicros;
    return { ok, spentMicros: entry.spent, reservedMicros: entry.reserved };
  }

  async settleBudget(scope: string, period: string, reservedMicros: number, actualMicros: number): Promise<void> {
    assertMicros("reservedMicros", reservedMicros);
    assertMicros("actualMicros", actualMicros);
    const entry = this.budgetEntry(scope, period);
    // Clamped: a reservation lost to expiry must not turn into free headroom.
    entry.reserved = Math.max(0, entry.reserved - reservedMicros);
    entry.spent += actualMicros;
  }

  async raiseSpent(scope: string, period: string, spentMicros: number): Promise<void> {
    assertMicros("spentMicros", spentMicros);
    const entry = this.budgetEntry(scope, period);
    entry.spent = Math.max(entry.spent, spentMicros);
  }

  async budgetUsage(scope: string, period: string): Promise<BudgetUsage> {
    assertScope(scope);
    assertPeriod(period);
    const entry = this.budgets.get(budgetKey(scope, period));
    return { spentMicros: entry?.spent ?? 0, reservedMicros: entry?.reserved ?? 0 };
  }

  async takeRequest(scope: string, limitPerMinute: number, now: number): Promise<RateDecision> {
    assertScope(scope);
    assertLimit("limitPerMinute", limitPerMinute);
    const nowUs = this.observe(now) * 1000;
    const step = gcraStep(this.requestTats.get(scope), nowUs, limitPerMinute);
    if (step.allowed) this.requestTats.set(scope, step.tatUs);
    return gcraDecision(step.allowed, step.tatUs, nowUs, limitPerMinute);
  }

  async checkTokens(scope: string, limitPerMinute: number, now: number, reserve = 0): Promise<RateDecision> {
    assertScope(scope);
    assertLimit("limitPerMinute", limitPerMinute);
    assertCount("reserve", reserve);
    const at = this.observe(now);
    const window = this.tokenWindows.get(scope);
    if (window) pruneBuckets(window, at);
    const decision = tokenWindowDecision(window ?? [], limitPerMinute, at);
    if (decision.allowed) this.record(scope, reserve, at);
    return withReserved(decision, reserve, at);
  }

  async addTokens(scope: string, tokens: number, now: number): Promise<void> {
    assertScope(scope);
    assertInteger("tokens", tokens);
    this.record(scope, tokens, this.observe(now));
  }

  private record(scope: string, tokens: number, at: number): void {
    if (tokens === 0) return;
    let window = this.tokenWindows.get(scope);
    if (!window) this.tokenWindows.set(scope, (window = new Map()));
    const bucket = bucketOf(at);
    window.set(bucket, (window.get(bucket) ?? 0) + tokens);
    pruneBuckets(window, at);
  }

  async close(): Promise<void> {
    this.budgets.clear();
    this.requestTats.clear();
    this.tokenWindows.clear();
  }

  /** Live entries per kind, for tests and metrics. */
  stats(): MemoryStateStats {
    return { budgets: this.budgets.size, requestLimits: this.requestTats.size, tokenWindows: this.tokenWindows.size };
  }

  private budgetEntry(scope: string, period: string): BudgetEntry {
    assertScope(scope);
    assertPeriod(period);
    const now = this.clock();
    if (now - this.lastBudgetSweep >= RATE_WINDOW_MS) this.sweepBudgets(now);
    const key = budgetKey(scope, period);
    let entry = this.budgets.get(key);
    if (!entry) this.budgets.set(key, (entry = { spent: 0, reserved: 0, expiresAt: 0 }));
    entry.expiresAt = budgetExpiresAt(period, now);
    return entry;
  }

  /** Validates a rate-limit time, remembers the latest one and sweeps when a minute has passed. */
  private observe(now: number): number {
    const at = toEpochMs(now);
    if (at > this.latestNow) this.latestNow = at;
    if (this.latestNow - this.lastRateSweep >= RATE_WINDOW_MS) this.sweepRates();
    return at;
  }

  private sweepBudgets(now: number): void {
    this.lastBudgetSweep = now;
    for (const [key, entry] of this.budgets) if (entry.expiresAt <= now) this.budgets.delete(key);
  }

  private sweepRates(): void {
    const now = this.latestNow;
    this.lastRateSweep = now;
    // A TAT in the past means a full quota; the extra window of slack keeps callers
    // whose `now` lags a little behind from seeing a fresher state than they should.
    for (const [scope, tat] of this.requestTats) if (tat + RATE_WINDOW_MS * 1000 <= now * 1000) this.requestTats.delete(scope);
    for (const [scope, window] of this.tokenWindows) {
      pruneBuckets(window, now);
      if (window.size === 0) this.tokenWindows.delete(scope);
    }
  }
}

/** Period keys never contain ':', so this is unambiguous (the Redis key has the same shape). */
function budgetKey(scope: string, period: string): string {
  return `${scope}:${period}`;
}

function pruneBuckets(window: Map<number, number>, now: number): void {
  const oldest = oldestLiveBucket(now);
  for (const bucket of window.keys()) if (bucket < oldest) window.delete(bucket);
}
