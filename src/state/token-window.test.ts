import { describe, expect, it } from "vitest";
import { tokensSettle } from "./token-window.js";

describe("tokensSettle", () => {
  const T0 = 1_700_000_000_000;

  it("corrects a reservation that still counts in its own second, down as well as up", () => {
    expect(tokensSettle(300, 120, T0, T0 + 5_000)).toEqual({ tokens: -180, at: T0 });
    expect(tokensSettle(300, 450, T0, T0 + 59_000)).toEqual({ tokens: 150, at: T0 });
  });

  it("counts only what went past a reservation that has left the window, when the request ends", () => {
    expect(tokensSettle(300, 120, T0, T0 + 90_000)).toEqual({ tokens: 0, at: T0 + 90_000 });
    expect(tokensSettle(300, 450, T0, T0 + 90_000)).toEqual({ tokens: 150, at: T0 + 90_000 });
  });
});
