/**
 * Budget state starts from the ledger. The state store counts a period's spend only since it
 * started (`memory://` forgets it on every restart; Redis may lose it), while the ledger keeps
 * every request. Before a key's first reservation of a period in this process, the period's
 * spend in the state is raised to what the ledger counted for the key, so a restart never
 * hands a key its budget again. Raising never lowers, so instances and workers that all do
 * it count nothing twice.
 *
 * A shared state can also lose its data while this process runs (Redis restarted without
 * persistence, or flushed). A store that can says so (`StateStore.onLossCheck`): every key is
 * then seeded again at its next request, those made since this process started included, and
 * while the store checks a loss it has cause to suspect, first requests wait for its answer.
 */
import type { SpendRow } from "../accounting/ledger-store.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import { within } from "../core/within.js";
import { periodStart, type BudgetPeriod } from "../state/budget-period.js";
import type { StateStore } from "../state/state-store.js";

/** Spend per key since `from` (epoch ms; undefined = all time), this process's queued rows included. */
export type LedgerSpendByKey = (from: number | undefined) => Promise<SpendRow[]>;

/**
 * Periods whose ledger totals are kept. A period's totals are asked once and serve every key
 * first used later in it, unless the key changed since (a budget added to a key already in use):
 * a ledger query may read the whole period (a `total` budget: the whole ledger), so it must not
 * run again for each key a long-running gateway meets.
 */
const KEPT_PERIODS = 8;
/** A ledger that does not answer in this long leaves the key unseeded for now (tried again next request); so does a loss check. */
const SEED_TIMEOUT_MS = 2_000;
const MICROS = 1_000_000;

export class BudgetSeeds {
  /** Bumped at each loss of the state's data: a seed begun before it does not count. */
  private epoch = 0;
  /** Set while the state checks whether it lost its data; settles (never rejects) once it knows. */
  private lossCheck: Promise<void> | undefined;
  /** Key id → the period key it was seeded for. */
  private readonly seeded = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Period key → the ledger's spend per key (micro-USD) and when it was asked, oldest period first. */
  private readonly ledgerTotals = new Map<string, { askedAt: number; totals: Promise<Map<string, number>> }>();

  constructor(
    private readonly state: StateStore,
    private readonly ledgerSpend: LedgerSpendByKey,
    /** When this process's state began (or last lost its data): keys made after it, and unchanged since, have all their spend in the state. */
    private startedAt: number,
    private readonly now: () => number = Date.now,
  ) {
    state.onLossCheck?.((lost) => this.checking(lost));
  }

  /**
   * Undefined when the key's period is seeded already (every request after the first) and the
   * state is not checking a loss; else a promise that settles once it is, or once the ledger (or
   * the check) has had its chance. Never rejects: a ledger that cannot answer must not refuse
   * requests, and the seed is tried again.
   */
  ensure(key: VirtualKey, budgetPeriod: BudgetPeriod, period: string): Promise<void> | undefined {
    if (this.lossCheck) return this.lossCheck.then(() => this.ensureSeeded(key, budgetPeriod, period));
    return this.ensureSeeded(key, budgetPeriod, period);
  }

  private ensureSeeded(key: VirtualKey, budgetPeriod: BudgetPeriod, period: string): Promise<void> | undefined {
    if (this.seeded.get(key.id) === period) return undefined;
    if (key.created_at >= this.startedAt && key.updated_at === key.created_at) {
      this.seeded.set(key.id, period);
      return undefined;
    }
    const flightKey = `${key.id}:${period}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      const epoch = this.epoch;
      const seed = this.seed(key, budgetPeriod, period).then(
        () => void (this.epoch === epoch && this.seeded.set(key.id, period)),
        () => undefined,
      );
      // `seed` never rejects; past the timeout the request goes on unseeded (the seed itself runs on).
      const started: Promise<void> = within(SEED_TIMEOUT_MS, seed)
        .then(() => undefined)
        .finally(() => this.inFlight.get(flightKey) === started && this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, (flight = started));
    }
    return flight;
  }

  /**
   * The state began a check for a loss of its data (see `StateStore.onLossCheck`). Requests wait
   * for it no longer than for a seed: a check that cannot finish must not hold every request.
   */
  private checking(lost: Promise<boolean>): void {
    const outcome = lost.then(
      (wasLost) => void (wasLost && this.forget()),
      () => undefined,
    );
    const check: Promise<void> = within(SEED_TIMEOUT_MS, outcome).then(() => void (this.lossCheck === check && (this.lossCheck = undefined)));
    this.lossCheck = check;
  }

  /** The state lost its data: what was seeded, and the ledger totals that let keys skip a query, went with it. */
  private forget(): void {
    this.epoch++;
    this.seeded.clear();
    this.inFlight.clear();
    this.ledgerTotals.clear();
    this.startedAt = this.now();
  }

  private async seed(key: VirtualKey, budgetPeriod: BudgetPeriod, period: string): Promise<void> {
    const spent = (await this.totalsFor(key, budgetPeriod, period)).get(key.id) ?? 0;
    if (spent > 0) await this.state.raiseSpent(key.id, period, spent);
  }

  private totalsFor(key: VirtualKey, budgetPeriod: BudgetPeriod, period: string): Promise<Map<string, number>> {
    const now = this.now();
    const cached = this.ledgerTotals.get(period);
    // A key unchanged since the totals were asked had its budget then: whatever it spent since went
    // through a seeded state (this process's, or the shared one of other instances).
    if (cached && key.updated_at <= cached.askedAt) return cached.totals;
    this.ledgerTotals.delete(period);
    if (this.ledgerTotals.size >= KEPT_PERIODS) this.ledgerTotals.delete(this.ledgerTotals.keys().next().value!);
    const from = budgetPeriod === "total" ? undefined : periodStart(budgetPeriod, now);
    const totals = this.ledgerSpend(from).then((rows) => {
      const byKey = new Map<string, number>();
      for (const row of rows) if (row.group !== null && row.cost_usd > 0) byKey.set(row.group, Math.min(Number.MAX_SAFE_INTEGER, Math.round(row.cost_usd * MICROS)));
      return byKey;
    });
    // A failed query is not kept: the next key's first request asks again.
    totals.catch(() => this.ledgerTotals.get(period)?.totals === totals && this.ledgerTotals.delete(period));
    this.ledgerTotals.set(period, { askedAt: now, totals });
    return totals;
  }
}
