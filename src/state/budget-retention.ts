/**
 * How long budget state outlives its period. A request reserved just before
 * midnight settles into the period it reserved in, and reports may read the
 * previous period, so state is kept for a while after the boundary.
 */
import { periodKeyEnd } from "./budget-period.js";

export const BUDGET_RETENTION_MS = 7 * 86_400_000;

/** Epoch ms after which the (scope, period) state may be dropped; Infinity for "total" and custom periods. */
export function budgetExpiresAt(period: string, now: number): number {
  return Math.max(periodKeyEnd(period), now) + BUDGET_RETENTION_MS;
}
