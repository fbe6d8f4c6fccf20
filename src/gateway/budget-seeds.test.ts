import { describe, expect, it, vi } from "vitest";
import type { SpendRow } from "../accounting/ledger-store.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import { MemoryStateStore } from "../state/memory-state.js";
import type { LossCheckListener } from "../state/state-store.js";
import { BudgetSeeds } from "./budget-seeds.js";

const STARTED = Date.UTC(2026, 11, 7, 12);
const KEY: VirtualKey = {
  id: "key_0123456789abcdef", name: "seeded", prefix: "sk-sy-abcd", hash: "0".repeat(64), models: [],
  rpm: null, tpm: null, budget_usd: 1, budget_period: "monthly", expires_at: null, metadata: {},
  log_prompts: false, created_at: STARTED - 1000, updated_at: STARTED - 1000, revoked_at: null,
};
const spendRow = (group: string, cost_usd: number): SpendRow => ({
  group, requests: 1, input_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cost_usd, unpriced_requests: 0,
});

/** A state that may lose its data, as Redis may: the test announces its checks and gives their outcome. */
class CheckedState extends MemoryStateStore {
  readonly raised: Array<[string, number]> = [];
  private listener: LossCheckListener | undefined;

  onLossCheck(listener: LossCheckListener): () => void {
    this.listener = listener;
    return () => (this.listener = undefined);
  }

  override raiseSpent(scope: string, period: string, spentMicros: number): Promise<void> {
    this.raised.push([scope, spentMicros]);
    return super.raiseSpent(scope, period, spentMicros);
  }

  /** Announces a check; its outcome is what the returned function is given. */
  check(): (lost: boolean) => void {
    let outcome!: (lost: boolean) => void;
    this.listener!(new Promise<boolean>((resolve) => (outcome = resolve)));
    return outcome;
  }
}

const settled = async (promise: Promise<unknown> | undefined) => {
  let done = false;
  void promise?.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return promise === undefined || done;
};

describe("BudgetSeeds", () => {
  it("seeds a key's period once from one ledger query shared by concurrent first requests, from the period's start", async () => {
    const state = new MemoryStateStore();
    const asked: Array<number | undefined> = [];
    const seeds = new BudgetSeeds(state, async (from) => (asked.push(from), [spendRow(KEY.id, 0.25), spendRow("key_other", 1)]), STARTED, () => STARTED);
    await Promise.all([seeds.ensure(KEY, "monthly", "2026-12"), seeds.ensure(KEY, "monthly", "2026-12")]);
    expect(seeds.ensure(KEY, "monthly", "2026-12")).toBeUndefined();
    expect(asked).toEqual([Date.UTC(2026, 11, 1)]);
    expect(await state.budgetUsage(KEY.id, "2026-12")).toEqual({ spentMicros: 250_000, reservedMicros: 0 });
  });

  it("asks the ledger once a period for every key met later, again only for a key changed since", async () => {
    const state = new MemoryStateStore();
    let clock = STARTED;
    let asked = 0;
    const seeds = new BudgetSeeds(state, async () => (asked++, [spendRow(KEY.id, 0.25), spendRow("key_later", 0.5), spendRow("key_patched", 0.75)]), STARTED, () => clock);
    await seeds.ensure(KEY, "total", "total");
    clock += 3_600_000; // an hour later: a full scan of the ledger must not run again for each key
    await seeds.ensure({ ...KEY, id: "key_later" }, "total", "total");
    expect(asked).toBe(1);
    expect(await state.budgetUsage("key_later", "total")).toEqual({ spentMicros: 500_000, reservedMicros: 0 });
    // A key changed after the totals were asked (a budget added to a key in use) gets fresh ones.
    await seeds.ensure({ ...KEY, id: "key_patched", updated_at: clock - 1 }, "total", "total");
    expect(asked).toBe(2);
    expect(await state.budgetUsage("key_patched", "total")).toEqual({ spentMicros: 750_000, reservedMicros: 0 });
  });

  it("does not refuse or wait forever while the ledger fails, and tries again on the next request", async () => {
    const state = new MemoryStateStore();
    let failing = true;
    const seeds = new BudgetSeeds(state, async () => {
      if (failing) throw new Error("ledger down");
      return [spendRow(KEY.id, 0.5)];
    }, STARTED, () => STARTED);
    await expect(seeds.ensure(KEY, "total", "total")).resolves.toBeUndefined();
    expect(await state.budgetUsage(KEY.id, "total")).toEqual({ spentMicros: 0, reservedMicros: 0 });
    failing = false;
    await seeds.ensure(KEY, "total", "total");
    expect(await state.budgetUsage(KEY.id, "total")).toEqual({ spentMicros: 500_000, reservedMicros: 0 });
  });

  it("skips the ledger for a key made after the state started and unchanged since", () => {
    const seeds = new BudgetSeeds(new MemoryStateStore(), () => Promise.reject(new Error("not asked")), STARTED);
    expect(seeds.ensure({ ...KEY, created_at: STARTED + 1, updated_at: STARTED + 1 }, "monthly", "2026-12")).toBeUndefined();
  });

  it("seeds every key again once the state lost its data, keys made since the start included, from a new ledger query", async () => {
    const state = new CheckedState();
    let clock = STARTED;
    let asked = 0;
    const ledger = async () => (asked++, [spendRow(KEY.id, 0.25), spendRow("key_new", 0.5)]);
    const seeds = new BudgetSeeds(state, ledger, STARTED, () => clock);
    const made = (id: string, at: number) => ({ ...KEY, id, created_at: at, updated_at: at });
    await seeds.ensure(KEY, "total", "total");
    expect(seeds.ensure(made("key_new", STARTED + 1), "total", "total")).toBeUndefined();
    expect(state.raised).toEqual([[KEY.id, 250_000]]);

    clock += 60_000;
    state.check()(true);
    await seeds.ensure(KEY, "total", "total");
    await seeds.ensure(made("key_new", STARTED + 1), "total", "total");
    expect(asked).toBe(2);
    expect(state.raised).toEqual([[KEY.id, 250_000], [KEY.id, 250_000], ["key_new", 500_000]]);
    expect(seeds.ensure(KEY, "total", "total")).toBeUndefined();
    // A key made after the loss has all its spend in the state.
    expect(seeds.ensure(made("key_newer", clock + 1), "total", "total")).toBeUndefined();
  });

  it("holds first requests while the state checks a loss it has cause for, and keeps the seeds when nothing was lost", async () => {
    const state = new CheckedState();
    const seeds = new BudgetSeeds(state, async () => [spendRow(KEY.id, 0.25)], STARTED, () => STARTED);
    await seeds.ensure(KEY, "total", "total");
    const outcome = state.check();
    const waiting = seeds.ensure(KEY, "total", "total");
    expect(await settled(waiting)).toBe(false);
    outcome(false);
    expect(await settled(waiting)).toBe(true);
    expect(seeds.ensure(KEY, "total", "total")).toBeUndefined();
    expect(state.raised).toHaveLength(1);
  });

  it("does not count a seed that began before the loss", async () => {
    const state = new CheckedState();
    let answer!: (rows: SpendRow[]) => void;
    const seeds = new BudgetSeeds(state, () => new Promise<SpendRow[]>((resolve) => (answer = resolve)), STARTED, () => STARTED);
    const first = seeds.ensure(KEY, "total", "total");
    state.check()(true);
    await new Promise((resolve) => setImmediate(resolve));
    answer([spendRow(KEY.id, 0.25)]);
    await first;
    // Its raise may have reached the data before the loss: the key is seeded again.
    const again = seeds.ensure(KEY, "total", "total");
    expect(again).toBeDefined();
    answer([spendRow(KEY.id, 0.25)]);
    await again;
    expect(state.raised).toEqual([[KEY.id, 250_000], [KEY.id, 250_000]]);
    expect(seeds.ensure(KEY, "total", "total")).toBeUndefined();
  });

  it("holds requests no longer than a seed for a check that does not finish", async () => {
    vi.useFakeTimers();
    try {
      const state = new CheckedState();
      const seeds = new BudgetSeeds(state, async () => [], STARTED, () => STARTED);
      await seeds.ensure(KEY, "total", "total");
      state.check(); // never told its outcome
      let done = false;
      void seeds.ensure(KEY, "total", "total")?.then(() => (done = true));
      await vi.advanceTimersByTimeAsync(1_999);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(done).toBe(true);
      expect(seeds.ensure(KEY, "total", "total")).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
