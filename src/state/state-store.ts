/**
 * Per-key governance state (budgets, request and token rate limits) that must
 * hold exactly under concurrency. The in-memory store serves one process; the
 * Redis store shares the same state across instances and workers.
 *
 * Every method is one atomic step: no caller ever reads and then writes.
 * Money is integer micro-USD (1 USD = 1_000_000) so sums never drift; time is
 * passed in as epoch milliseconds so tests drive a clock instead of sleeping.
 */

/** Length of the rate-limit window behind `limitPerMinute`. */
export const RATE_WINDOW_MS = 60_000;

/**
 * How long a shared store may hold a settle (`settleBudget`, `addTokens`), which no request
 * waits on, so it travels with the next admission instead of on its own. Admissions and reads
 * send held settles first, so an instance always sees its own; others see them this much later.
 */
export const SETTLE_DELAY_MS = 5;

export interface BudgetUsage {
  /** Settled spend in the period, micro-USD. */
  spentMicros: number;
  /** Held by requests still in flight, micro-USD. */
  reservedMicros: number;
}

export interface BudgetReservation extends BudgetUsage {
  /** Whether the amount was reserved. The usage is the state after the call. */
  ok: boolean;
  /**
   * The store found this key's usage gone (its data lost, not yet announced): nothing was
   * reserved. The loss is being announced to `onLossCheck` listeners; seed again, then ask again.
   */
  lost?: boolean;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests (or tokens) still admissible right now after this decision. */
  remaining: number;
  /** Milliseconds until the full quota is available again. */
  resetMs: number;
  /** Milliseconds to wait before the next attempt can be admitted; 0 when allowed. */
  retryAfterMs: number;
}

export interface StateStore {
  /**
   * Reserves `amountMicros` if `spent + reserved + amount <= limitMicros`;
   * on admit, reserved grows by the amount. A scope is e.g. a virtual key id;
   * a period is a `periodKey()` value ("2026-11", "total", …) and never contains ':'.
   */
  reserveBudget(scope: string, period: string, amountMicros: number, limitMicros: number): Promise<BudgetReservation>;

  /**
   * Releases a reservation and records what the request really cost. The
   * actual may exceed the reservation: spend that happened is always recorded.
   */
  settleBudget(scope: string, period: string, reservedMicros: number, actualMicros: number): Promise<void>;

  budgetUsage(scope: string, period: string): Promise<BudgetUsage>;

  /**
   * Raises the period's settled spend to at least `spentMicros` (what the ledger counted, when
   * this store may have started after the period did); never lowers it, so asking twice, or
   * from several instances, counts nothing twice.
   */
  raiseSpent(scope: string, period: string, spentMicros: number): Promise<void>;

  /**
   * Admits one request against a per-minute request limit (GCRA: a burst of up
   * to the limit, refilled continuously at limit per 60 s). Denials change nothing.
   */
  takeRequest(scope: string, limitPerMinute: number, now: number): Promise<RateDecision>;

  /**
   * Admits while the tokens recorded in the sliding 60 s window are below the
   * limit. An admitted request's `reserve` (its expected tokens) is recorded in
   * `now`'s second with the check, atomically, so requests admitted at once see
   * each other's; the decision's `remaining` counts it. A refusal records nothing.
   */
  checkTokens(scope: string, limitPerMinute: number, now: number, reserve?: number): Promise<RateDecision>;

  /**
   * Records tokens in `now`'s second: a finished request's use, or, negative,
   * the part of a reservation it did not use (given the reservation's time).
   */
  addTokens(scope: string, tokens: number, now: number): Promise<void>;

  /**
   * Only for a store that can lose its data while this process runs (Redis restarted without
   * persistence, or flushed): what was seeded into it from the ledger must be seeded again.
   * `listener` gets a promise of whether the data was lost (it never rejects) each time the store
   * starts a check it has cause for (a reconnection, a flush reported), so budgets can wait for
   * it, and an already settled `true` when a routine check finds a loss. Returns how to stop.
   */
  onLossCheck?(listener: LossCheckListener): () => void;

  close(): Promise<void>;
}

/** See `StateStore.onLossCheck`. */
export type LossCheckListener = (lost: Promise<boolean>) => void;
