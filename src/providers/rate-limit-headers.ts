import type { RateLimitState } from "../core/rate-limit.js";
import type { HeaderBag } from "./adapter.js";
import { headerValue, parseDurationMs, parseRetryAfter } from "./retry-after.js";

function numberHeader(headers: HeaderBag, name: string): number | undefined {
  const value = headerValue(headers, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function resetAt(headers: HeaderBag, name: string, now: number): number | undefined {
  const value = headerValue(headers, name);
  if (value === undefined) return undefined;
  const ms = parseDurationMs(value);
  return ms === undefined ? undefined : now + ms;
}

/** OpenAI dialect (also Groq, Azure, Together, xAI, …): `x-ratelimit-*` with duration resets. */
export function parseOpenAIRateLimit(headers: HeaderBag, now: number): RateLimitState | undefined {
  const state: RateLimitState = {
    requestsLimit: numberHeader(headers, "x-ratelimit-limit-requests"),
    requestsRemaining: numberHeader(headers, "x-ratelimit-remaining-requests"),
    requestsResetAt: resetAt(headers, "x-ratelimit-reset-requests", now),
    tokensLimit: numberHeader(headers, "x-ratelimit-limit-tokens"),
    tokensRemaining: numberHeader(headers, "x-ratelimit-remaining-tokens"),
    tokensResetAt: resetAt(headers, "x-ratelimit-reset-tokens", now),
    observedAt: now,
  };
  const retryAfter = parseRetryAfter(headers, now);
  if (retryAfter !== undefined) state.retryAfterAt = now + retryAfter * 1000;
  return hasAny(state) ? state : undefined;
}

/** Mistral's windows are a minute long and come with no reset time: a spent one is free again within a minute. */
const MISTRAL_WINDOW_MS = 60_000;

/**
 * Mistral dialect (providers.md §7): `x-ratelimit-{limit,remaining}-req-minute` and
 * `-tokens-minute`, no reset headers. A window with none remaining resets at the latest a minute on.
 * Answers in the OpenAI dialect (a proxy in front of Mistral) are read as such.
 */
export function parseMistralRateLimit(headers: HeaderBag, now: number): RateLimitState | undefined {
  const requestsRemaining = numberHeader(headers, "x-ratelimit-remaining-req-minute");
  const tokensRemaining = numberHeader(headers, "x-ratelimit-remaining-tokens-minute");
  const state: RateLimitState = {
    requestsLimit: numberHeader(headers, "x-ratelimit-limit-req-minute"),
    requestsRemaining,
    requestsResetAt: requestsRemaining === 0 ? now + MISTRAL_WINDOW_MS : undefined,
    tokensLimit: numberHeader(headers, "x-ratelimit-limit-tokens-minute"),
    tokensRemaining,
    tokensResetAt: tokensRemaining === 0 ? now + MISTRAL_WINDOW_MS : undefined,
    observedAt: now,
  };
  const retryAfter = parseRetryAfter(headers, now);
  if (retryAfter !== undefined) state.retryAfterAt = now + retryAfter * 1000;
  return hasAny(state) ? state : parseOpenAIRateLimit(headers, now);
}

export function hasAny(state: RateLimitState): boolean {
  return (
    state.requestsLimit !== undefined || state.requestsRemaining !== undefined || state.requestsResetAt !== undefined ||
    state.tokensLimit !== undefined || state.tokensRemaining !== undefined || state.tokensResetAt !== undefined ||
    state.retryAfterAt !== undefined
  );
}
