import { describe, expect, it } from "vitest";
import type { SpendRow } from "../accounting/ledger-store.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import { MemoryStateStore } from "../state/memory-state.js";
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
});
