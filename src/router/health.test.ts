import { describe, expect, it } from "vitest";
import { HealthBoard, MAX_TRACKED_DEPLOYMENTS } from "./health.js";

describe("HealthBoard", () => {
  it("tracks a bounded number of deployments: invented names make room by evicting entries at rest, never one cooling down or busy", () => {
    let now = 0;
    const board = new HealthBoard({ now: () => now, sleep: async () => {}, random: () => 0 }, { failures: 1, initialMs: 60_000, maxMs: 60_000 });
    board.failure("p/cooling", "boom");
    board.start("p/busy");
    for (let i = 0; i < MAX_TRACKED_DEPLOYMENTS * 3; i++) {
      board.start(`p/invented-${i}`);
      board.finish(`p/invented-${i}`);
    }
    const ids = board.snapshot().map((h) => h.id);
    expect(ids.length).toBeLessThanOrEqual(MAX_TRACKED_DEPLOYMENTS);
    expect(ids).toContain("p/cooling");
    expect(ids).toContain("p/busy");
    expect(board.isAvailable("p/cooling")).toBe(false);
    now = 60_000;
    expect(board.isAvailable("p/cooling")).toBe(true);
  });

  it("keeps a deployment out of rotation as long as an upstream asks, but at most the cooldown's maxMs", () => {
    let now = 0;
    const board = new HealthBoard({ now: () => now, sleep: async () => {}, random: () => 0 }, { failures: 3, initialMs: 30_000, maxMs: 300_000 });
    board.skipUntil("p/short", 20_000);
    board.skipUntil("p/day", 86_400_000);
    board.observeRateLimit("p/reset", { requestsRemaining: 0, requestsResetAt: 86_400_000, observedAt: 0 });
    now = 20_000;
    expect(board.isAvailable("p/short")).toBe(true);
    now = 299_999;
    expect(["p/day", "p/reset"].map((id) => board.isAvailable(id))).toEqual([false, false]);
    now = 300_000;
    expect(["p/day", "p/reset"].map((id) => board.isAvailable(id))).toEqual([true, true]);
    expect(board.get("p/day").skipUntil).toBe(300_000);
  });
});
