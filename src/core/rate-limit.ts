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

/** When an answer's limits free up again, if they are spent: its Retry-After, or the reset of a window with none remaining. */
export function exhaustedUntil(state: RateLimitState): number | undefined {
  let until: number | undefined;
  const later = (at: number | undefined) => {
    if (at !== undefined && (until === undefined || at > until)) until = at;
  };
  later(state.retryAfterAt);
  if (state.requestsRemaining === 0) later(state.requestsResetAt);
  if (state.tokensRemaining === 0) later(state.tokensResetAt);
  return until;
}
