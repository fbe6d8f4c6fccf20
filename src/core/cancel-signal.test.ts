import { describe, expect, it } from "vitest";
import { CancelSource, NEVER_CANCELLED } from "./cancel-signal.js";

describe("CancelSource", () => {
  it("runs each listener once on abort, not the removed ones, none after", () => {
    const source = new CancelSource();
    const calls: string[] = [];
    const a = () => calls.push("a");
    const b = () => calls.push("b");
    source.addEventListener("abort", a);
    source.addEventListener("abort", b);
    source.removeEventListener("abort", a);
    source.abort(new Error("gone"));
    source.abort(new Error("again"));
    source.addEventListener("abort", a);
    expect(calls).toEqual(["b"]);
    expect(source.aborted).toBe(true);
    expect((source.reason as Error).message).toBe("gone");
  });
});

describe("NEVER_CANCELLED", () => {
  it("keeps nothing however many embedded calls listen on it", () => {
    for (let i = 0; i < 1000; i++) NEVER_CANCELLED.addEventListener("abort", () => undefined);
    expect(Object.isFrozen(NEVER_CANCELLED)).toBe(true);
    expect(Object.keys(NEVER_CANCELLED).sort()).toEqual(["aborted", "addEventListener", "reason", "removeEventListener"]);
    expect(NEVER_CANCELLED.aborted).toBe(false);
  });
});
