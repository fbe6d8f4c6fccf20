import { describe, expect, it } from "vitest";
import { newRequestId } from "./request-id.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newRequestId", () => {
  it("is a UUIDv7 whose first 48 bits are the time in ms", () => {
    const now = Date.UTC(2026, 10, 29, 3, 30, 0, 123);
    const id = newRequestId(now);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it("sorts by time and does not repeat", () => {
    const ids = [newRequestId(1_000), newRequestId(2_000), newRequestId(3_000)];
    expect([...ids].sort()).toEqual(ids);
    const many = new Set(Array.from({ length: 10_000 }, () => newRequestId(5_000)));
    expect(many.size).toBe(10_000);
  });

  it("spreads its random digits evenly (no digit position stuck, the variant one of 8, 9, a, b)", () => {
    const counts = Array.from({ length: 36 }, () => new Map<string, number>());
    const n = 16_000;
    for (let i = 0; i < n; i++) {
      const id = newRequestId(6_000);
      for (let at = 0; at < 36; at++) counts[at]!.set(id[at]!, (counts[at]!.get(id[at]!) ?? 0) + 1);
    }
    for (const at of [15, 16, 17, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)]) {
      expect(counts[at]!.size).toBe(16);
      for (const seen of counts[at]!.values()) expect(Math.abs(seen - n / 16)).toBeLessThan(n / 16 / 4);
    }
    expect([...counts[19]!.keys()].sort()).toEqual(["8", "9", "a", "b"]);
    for (const at of [8, 13, 18, 23]) expect([...counts[at]!.keys()]).toEqual(["-"]);
  });

  it("carries each call's own time when calls alternate between milliseconds", () => {
    const timeOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect([7_000, 8_000, 7_000, 7_000, 9_000].map((now) => timeOf(newRequestId(now)))).toEqual([7_000, 8_000, 7_000, 7_000, 9_000]);
  });
});
