/**
 * GCRA (generic cell rate algorithm) for per-minute request limits: the state
 * is one number per key, the theoretical arrival time (TAT). A limit of N
 * admits a burst of N at once and then one request every 60/N s, so the
 * long-run rate is exactly N per minute while memory stays O(1) per key.
 *
 * Times are integer microseconds so the emission interval of odd limits
 * (60 s / 7) loses at most 1 µs, rounded up: the rate is never exceeded, and
 * epoch microseconds (~1.8e15) stay exact in doubles, in JS and in Redis Lua.
 */
import { RATE_WINDOW_MS, type RateDecision } from "./state-store.js";

const WINDOW_US = RATE_WINDOW_MS * 1000;

export function emissionIntervalUs(limit: number): number {
  return Math.ceil(WINDOW_US / limit);
}

/** How far the TAT may run ahead of now and still admit: room for limit−1 more. */
export function burstToleranceUs(limit: number): number {
  return emissionIntervalUs(limit) * (limit - 1);
}

export interface GcraStep {
  allowed: boolean;
  /** The TAT to store: advanced by one interval when allowed, unchanged when denied. */
  tatUs: number;
}

export function gcraStep(storedTatUs: number | undefined, nowUs: number, limit: number): GcraStep {
  const tat = Math.max(storedTatUs ?? nowUs, nowUs);
  if (tat - nowUs > burstToleranceUs(limit)) return { allowed: false, tatUs: tat };
  return { allowed: true, tatUs: tat + emissionIntervalUs(limit) };
}

/** The caller-facing decision for the state after a step (shared by the memory and Redis stores). */
export function gcraDecision(allowed: boolean, tatUs: number, nowUs: number, limit: number): RateDecision {
  const interval = emissionIntervalUs(limit);
  const tolerance = burstToleranceUs(limit);
  const ahead = Math.max(0, tatUs - nowUs);
  const remaining = ahead <= tolerance ? Math.floor((tolerance - ahead) / interval) + 1 : 0;
  return {
    allowed,
    limit,
    remaining,
    resetMs: Math.ceil(ahead / 1000),
    retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil((ahead - tolerance) / 1000)),
  };
}
