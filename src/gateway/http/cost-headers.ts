import type { PricedUsage } from "../../accounting/cost.js";

/** Plain decimals: `String()` writes costs under a millionth of a dollar as `6e-8`. Costs are rounded to 1e-10. */
export function decimalUsd(usd: number): string {
  return usd !== 0 && Math.abs(usd) < 1e-6 ? usd.toFixed(10).replace(/0+$/, "") : String(usd);
}

/** `x-switchyard-cost-usd` when priced; an explicit flag when not (never a silent $0). */
export function costHeaders(priced: PricedUsage, usageEstimated: boolean, headers: Record<string, string> = {}): Record<string, string> {
  if (priced.costUsd !== null) headers["x-switchyard-cost-usd"] = decimalUsd(priced.costUsd);
  if (priced.unpriced) headers["x-switchyard-unpriced"] = "true";
  if (usageEstimated || priced.estimate) headers["x-switchyard-cost-estimated"] = "true";
  return headers;
}

/** A stream's headers leave before its usage is known, but whether its model has a price is known already. */
export function streamCostHeaders(session: { unpriced: boolean }, headers: Record<string, string>): Record<string, string> {
  if (session.unpriced) headers["x-switchyard-unpriced"] = "true";
  return headers;
}
