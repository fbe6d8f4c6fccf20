/**
 * Sliding 60 s token window at 1 s resolution. Tokens are summed per second
 * ("bucket"); a bucket counts until 60 s after the end of its second, so usage
 * is never forgotten early (it counts for 60–61 s) and a key holds at most 61
 * buckets. Shared by the memory and Redis stores so both decide identically.
 */
import { RATE_WINDOW_MS, type RateDecision } from "./state-store.js";

export const BUCKET_MS = 1000;
const WINDOW_BUCKETS = RATE_WINDOW_MS / BUCKET_MS;

export function bucketOf(now: number): number {
  return Math.floor(now / BUCKET_MS);
}

/** Buckets older than this no longer count at `now`. */
export function oldestLiveBucket(now: number): number {
  return bucketOf(now) - WINDOW_BUCKETS;
}

/** Epoch ms at which a bucket stops counting. */
export function bucketExpiresAt(bucket: number): number {
  return (bucket + WINDOW_BUCKETS + 1) * BUCKET_MS;
}

/** Milliseconds until the whole window is free again: when its newest live bucket expires. */
function resetMsOf(newest: number | undefined, now: number): number {
  return newest === undefined ? 0 : bucketExpiresAt(newest) - now;
}

/** The decision while `used` (tokens in live buckets, the newest `newest`) is under the limit. */
export function allowedTokens(used: number, newest: number | undefined, limit: number, now: number): RateDecision {
  return { allowed: true, limit, remaining: limit - used, resetMs: resetMsOf(newest, now), retryAfterMs: 0 };
}

/**
 * Where a finished request's tokens go: while its reservation (made at `admittedAt`) still
 * counts, the difference from what it used goes in the reservation's second; once that
 * second has left the window, what it used beyond the reservation counts at `settledAt`.
 */
export function tokensSettle(reserved: number, used: number, admittedAt: number, settledAt: number): { tokens: number; at: number } {
  if (bucketOf(admittedAt) >= oldestLiveBucket(settledAt)) return { tokens: used - reserved, at: admittedAt };
  return { tokens: Math.max(0, used - reserved), at: settledAt };
}

/** An admission's decision once its `reserve` tokens are recorded in `now`'s second. */
export function withReserved(decision: RateDecision, reserve: number, now: number): RateDecision {
  if (!decision.allowed || reserve === 0) return decision;
  return { ...decision, remaining: decision.remaining - reserve, resetMs: resetMsOf(bucketOf(now), now) };
}

/**
 * `buckets` maps bucket → tokens; expired buckets are ignored. An admission needs only their sum;
 * a refusal walks them oldest first (so they are read twice: a collection, not an iterator).
 */
export function tokenWindowDecision(buckets: ReadonlyMap<number, number> | ReadonlyArray<readonly [number, number]>, limit: number, now: number): RateDecision {
  const oldest = oldestLiveBucket(now);
  let used = 0;
  let newest: number | undefined;
  for (const [bucket, tokens] of buckets) {
    if (bucket < oldest) continue;
    used += tokens;
    if (newest === undefined || bucket > newest) newest = bucket;
  }
  if (used < limit) return allowedTokens(used, newest, limit, now);

  const live = [...buckets].filter(([bucket]) => bucket >= oldest).sort((a, b) => a[0] - b[0]);
  const resetMs = resetMsOf(newest, now);
  // Denied: wait until enough of the oldest buckets expire to fall below the limit.
  let retryAfterMs = resetMs;
  let left = used;
  for (const [bucket, tokens] of live) {
    left -= tokens;
    if (left < limit) {
      retryAfterMs = bucketExpiresAt(bucket) - now;
      break;
    }
  }
  return { allowed: false, limit, remaining: 0, resetMs, retryAfterMs };
}
