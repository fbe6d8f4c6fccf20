import { describe, expect, it } from "vitest";
import { MemoryStateStore } from "./memory-state.js";

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

describe("MemoryStateStore memory bounds", () => {
  it("drops rate-limit state once its window has passed", async () => {
    const store = new MemoryStateStore();
    for (let i = 0; i < 100; i++) {
      await store.takeRequest(`key-${i}`, 10, T0);
      await store.addTokens(`key-${i}`, 50, T0);
    }
    expect(store.stats()).toMatchObject({ requestLimits: 100, tokenWindows: 100 });
    // Still inside the window: nothing is dropped.
    await store.takeRequest("other", 10, T0 + 60_000);
    expect(store.stats()).toMatchObject({ requestLimits: 101, tokenWindows: 100 });
    await store.takeRequest("late", 10, T0 + 3 * 60_000);
    expect(store.stats()).toEqual({ budgets: 0, requestLimits: 1, tokenWindows: 0 });
  });

  it("keeps a token window to the buckets still counting", async () => {
    const store = new MemoryStateStore();
    for (let t = 0; t < 10 * 60_000; t += 100) await store.addTokens("busy", 1, T0 + t);
    // 61 live seconds of 10 tokens each.
    expect((await store.checkTokens("busy", 1_000_000, T0 + 10 * 60_000 - 100)).remaining).toBe(1_000_000 - 610);
  });

  it("drops a budget period a retention time after it ended, and never a total", async () => {
    let now = Date.UTC(2026, 10, 28, 23, 0, 0);
    const store = new MemoryStateStore({ clock: () => now });
    await store.reserveBudget("k", "2026-11-28", 100, 1_000);
    await store.reserveBudget("k", "total", 100, 1_000);
    now = Date.UTC(2026, 11, 4, 23, 0, 0); // 6 days after the day ended
    await store.budgetUsage("k", "total");
    await store.reserveBudget("other", "total", 1, 1_000);
    expect(await store.budgetUsage("k", "2026-11-28")).toEqual({ spentMicros: 0, reservedMicros: 100 });
    now = Date.UTC(2026, 11, 6, 1, 0, 0); // past the 7-day retention
    await store.reserveBudget("other", "total", 1, 1_000);
    expect(await store.budgetUsage("k", "2026-11-28")).toEqual({ spentMicros: 0, reservedMicros: 0 });
    expect(await store.budgetUsage("k", "total")).toEqual({ spentMicros: 0, reservedMicros: 100 });
    expect(store.stats().budgets).toBe(2);
  });

  it("is atomic inside one process: interleaved reservations cannot both take the last headroom", async () => {
    const store = new MemoryStateStore();
    const [first, second] = await Promise.all([store.reserveBudget("k", "total", 600, 1_000), store.reserveBudget("k", "total", 600, 1_000)]);
    expect([first.ok, second.ok].sort()).toEqual([false, true]);
  });
});
