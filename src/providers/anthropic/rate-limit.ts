/**
 * Anthropic's rate-limit headers: `anthropic-ratelimit-{requests,tokens,
 * input-tokens,output-tokens}-{limit,remaining,reset}`, resets as RFC 3339
 * timestamps, plus `retry-after` (seconds) on 429.
 */
import type { RateLimitState } from "../../core/rate-limit.js";
import type { HeaderBag } from "../adapter.js";
import { hasAny } from "../rate-limit-headers.js";
import { headerValue, parseRetryAfter } from "../retry-after.js";

interface Bucket {
  limit?: number;
  remaining?: number;
  resetAt?: number;
}

function numberHeader(headers: HeaderBag, name: string): number | undefined {
  const value = headerValue(headers, name);
  if (value === undefined || value.trim() === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function bucket(headers: HeaderBag, kind: string): Bucket | undefined {
  const prefix = `anthropic-ratelimit-${kind}`;
  const reset = headerValue(headers, `${prefix}-reset`);
  const resetAt = reset === undefined ? undefined : Date.parse(reset);
  const found: Bucket = {
    limit: numberHeader(headers, `${prefix}-limit`),
    remaining: numberHeader(headers, `${prefix}-remaining`),
    resetAt: resetAt === undefined || Number.isNaN(resetAt) ? undefined : resetAt,
  };
  return Object.values(found).some((value) => value !== undefined) ? found : undefined;
}

function headroom(b: Bucket): number {
  return b.remaining !== undefined && b.limit ? b.remaining / b.limit : 1;
}

/**
 * `tokens-*` is Anthropic's most restrictive token limit in effect; without
 * it, the tighter of the input and output buckets stands in, since
 * RateLimitState has one token bucket.
 */
export function parseAnthropicRateLimit(headers: HeaderBag, now: number): RateLimitState | undefined {
  const requests = bucket(headers, "requests");
  const split = [bucket(headers, "input-tokens"), bucket(headers, "output-tokens")].filter((b): b is Bucket => b !== undefined);
  const tokens = bucket(headers, "tokens") ?? split.sort((a, b) => headroom(a) - headroom(b))[0];
  const state: RateLimitState = {
    requestsLimit: requests?.limit,
    requestsRemaining: requests?.remaining,
    requestsResetAt: requests?.resetAt,
    tokensLimit: tokens?.limit,
    tokensRemaining: tokens?.remaining,
    tokensResetAt: tokens?.resetAt,
    observedAt: now,
  };
  const retryAfter = parseRetryAfter(headers, now);
  if (retryAfter !== undefined) state.retryAfterAt = now + retryAfter * 1000;
  return hasAny(state) ? state : undefined;
}
