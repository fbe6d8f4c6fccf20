import { describe, expect, it } from "vitest";
import { costHeaders, decimalUsd } from "./cost-headers.js";

describe("cost headers", () => {
  it("write costs as plain decimals, the smallest ones too (String() would say 6e-8)", () => {
    expect([6e-8, 1.5e-9, 0.000123, 0, 2.5, 1e-10].map(decimalUsd)).toEqual(["0.00000006", "0.0000000015", "0.000123", "0", "2.5", "0.0000000001"]);
    expect(costHeaders({ costUsd: 6e-8, unpriced: false, estimate: false }, false)).toEqual({ "x-switchyard-cost-usd": "0.00000006" });
  });
});
