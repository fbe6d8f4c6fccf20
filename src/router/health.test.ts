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
});
