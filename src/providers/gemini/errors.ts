/**
 * Gemini's error dialect: `{"error":{"code","message","status","details":[…]}}`
 * with `google.rpc.*` details (providers.md §3). Gemini sends no rate-limit
 * headers; the wait on a 429 is in `RetryInfo.retryDelay` ("27s", "34.4s").
 */
import { GatewayError, statusToKind, type ErrorKind } from "../../core/errors.js";
import type { RateLimitState } from "../../core/rate-limit.js";
import type { HeaderBag } from "../adapter.js";
import { parseRetryAfter } from "../retry-after.js";
import { errorPayloadSchema, type GeminiErrorPayload } from "./wire-types.js";

const CONTEXT_LENGTH = /input token count|exceeds the maximum number of tokens|token limit|context (length|window)|too many tokens/i;
const INVALID_KEY = /API key (not valid|expired|invalid)/i;
const INVALID_KEY_REASONS = new Set(["API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED", "API_KEY_IP_ADDRESS_BLOCKED"]);

/** What the error body says, normalized. */
export interface GeminiErrorInfo {
  code?: number;
  status?: string;
  message?: string;
  /** `google.rpc.ErrorInfo.reason`, e.g. API_KEY_INVALID. */
  reason?: string;
  /** Seconds from `google.rpc.RetryInfo.retryDelay`. */
  retryDelaySeconds?: number;
  /** A `google.rpc.QuotaFailure` names a per-day quota: it clears at midnight Pacific time, whatever RetryInfo says. */
  dailyQuota?: boolean;
}

/** Made on first use: a formatter with a time zone costs the process ≈ 8 MB of ICU data. */
let pacificClock: Intl.DateTimeFormat | undefined;

/** Seconds until the next midnight in Google's quota time zone (America/Los_Angeles). */
export function secondsToPacificMidnight(now: number): number {
  pacificClock ??= new Intl.DateTimeFormat("en-US", { timeZone: "America/Los_Angeles", hourCycle: "h23", hour: "numeric", minute: "numeric", second: "numeric" });
  const parts = pacificClock.formatToParts(now);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return 86_400 - (part("hour") * 3_600 + part("minute") * 60 + part("second"));
}

function parseRetryDelay(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

/** Reads the detail entries Switchyard acts on; unknown detail types are ignored. */
export function readErrorPayload(payload: GeminiErrorPayload): GeminiErrorInfo {
  const info: GeminiErrorInfo = { code: payload.code, status: payload.status, message: payload.message };
  for (const detail of payload.details ?? []) {
    const type = typeof detail["@type"] === "string" ? detail["@type"] : "";
    if (type.endsWith("google.rpc.ErrorInfo") && typeof detail.reason === "string") info.reason ??= detail.reason;
    if (type.endsWith("google.rpc.RetryInfo")) info.retryDelaySeconds ??= parseRetryDelay(detail.retryDelay);
    if (type.endsWith("google.rpc.QuotaFailure") && Array.isArray(detail.violations)) {
      info.dailyQuota ||= detail.violations.some((v) => typeof (v as { quotaId?: unknown } | null)?.quotaId === "string" && /PerDay/.test((v as { quotaId: string }).quotaId));
    }
  }
  return info;
}

export function parseGeminiErrorBody(text: string): GeminiErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 500) || undefined };
  }
  // Some proxies wrap the error in a one-element array (the non-SSE streaming format).
  const body = Array.isArray(json) ? json[0] : json;
  const parsed = errorPayloadSchema.safeParse((body as { error?: unknown } | null)?.error);
  return parsed.success ? readErrorPayload(parsed.data) : {};
}

function kindFor(status: number, info: GeminiErrorInfo): ErrorKind {
  if (info.reason !== undefined && INVALID_KEY_REASONS.has(info.reason)) return "upstream_auth";
  if (INVALID_KEY.test(info.message ?? "")) return "upstream_auth";
  if (info.status === "PERMISSION_DENIED" || info.status === "UNAUTHENTICATED") return "upstream_auth";
  // Billing not enabled, region not supported: the account's problem, not the request's; another deployment may work.
  if (info.status === "FAILED_PRECONDITION") return "upstream_auth";
  const kind = statusToKind(status);
  if (kind === "bad_request" && CONTEXT_LENGTH.test(info.message ?? "")) return "context_length_exceeded";
  return kind;
}

function messageFor(provider: string, kind: ErrorKind, status: number, info: GeminiErrorInfo): string {
  const detail = info.message ?? `HTTP ${status}`;
  const label = info.status ? `HTTP ${status} ${info.status}` : `HTTP ${status}`;
  if (kind === "upstream_auth") return `Provider '${provider}' refused the gateway's account or key (${label}): ${detail}`;
  if (kind === "bad_request" || kind === "context_length_exceeded" || kind === "not_found") return detail;
  return `Provider '${provider}' failed (${label}): ${detail}`;
}

/** A GatewayError from what Gemini said; `fallbackRetryAfter` is used when the body has no RetryInfo. */
export function geminiErrorFromInfo(provider: string, status: number, info: GeminiErrorInfo, fallbackRetryAfter?: number): GatewayError {
  const kind = kindFor(status, info);
  return new GatewayError(kind, messageFor(provider, kind, status, info), {
    code: kind === "context_length_exceeded" ? "context_length_exceeded" : (info.reason ?? info.status)?.toLowerCase() ?? null,
    upstreamStatus: status,
    status: kind === "bad_request" ? status : undefined,
    retryAfterSeconds: retryAfterOf(info, fallbackRetryAfter),
    provider,
  });
}

function retryAfterOf(info: GeminiErrorInfo, fallback: number | undefined): number | undefined {
  const delay = info.retryDelaySeconds ?? fallback;
  return info.dailyQuota ? Math.max(delay ?? 0, secondsToPacificMidnight(Date.now())) : delay;
}

/** Normalizes a non-2xx answer (`bodyText` is already redacted). */
export function geminiError(provider: string, status: number, headers: HeaderBag, bodyText: string): GatewayError {
  return geminiErrorFromInfo(provider, status, parseGeminiErrorBody(bodyText), parseRetryAfter(headers, Date.now()));
}

/**
 * Gemini sends no rate-limit headers; only a Retry-After (from a proxy, or
 * should Google add one) is read here. RetryInfo lives in the body, which this
 * hook never sees, so it travels as the GatewayError's `retryAfterSeconds`.
 */
export function geminiRateLimit(headers: HeaderBag, now: number): RateLimitState | undefined {
  const retryAfter = parseRetryAfter(headers, now);
  return retryAfter === undefined ? undefined : { retryAfterAt: now + retryAfter * 1000, observedAt: now };
}
