import { describe, expect, it } from "vitest";
import { InFlightCount } from "./in-flight-count.js";

describe("InFlightCount", () => {
  it("is drained at once when nothing is in flight, and when the last one leaves", async () => {
    const count = new InFlightCount();
    expect(await count.drained(60_000)).toBe(true);
    count.enter();
    count.enter();
    let drained: boolean | undefined;
    const waiting = count.drained(60_000).then((result) => (drained = result));
    count.leave();
    await Promise.resolve();
    expect(drained).toBeUndefined();
    count.leave();
    await waiting;
    expect(drained).toBe(true);
    expect(count.active).toBe(0);
  });

  it("gives up waiting after maxWaitMs (work that never ends must not hold pools or a shutdown)", async () => {
    const count = new InFlightCount();
    count.enter();
    expect(await count.drained(10)).toBe(false);
    expect(count.active).toBe(1);
  });

  it("never counts below zero", () => {
    const count = new InFlightCount();
    count.leave();
    count.enter();
    expect(count.active).toBe(1);
  });
});
