/**
 * What a provider told us about its limits, normalized across header dialects.
 * Times are absolute epoch milliseconds so the state can be compared later.
 */
export interface RateLimitState {
  requestsLimit?: number;
  requestsRemaining?: number;
  requestsResetAt?: number;
  tokensLimit?: number;
  tokensRemaining?: number;
  tokensResetAt?: number;
  /** Absolute time before which the upstream asked not to be called again. */
  retryAfterAt?: number;
  observedAt: number;
}
