import { asGatewayError, type GatewayError } from "../../core/errors.js";
import type { Redactor } from "../../core/redact.js";
import { formatRoute, type AttemptTrace } from "../../router/run-attempts.js";
import type { RouteInfo } from "../deployment-call.js";
import type { GatewayReply } from "./types.js";

export const JSON_TYPE = "application/json";

/** A JSON reply; `headers` is taken over (content-type is added to it), not copied. */
export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): GatewayReply {
  return jsonTextReply(status, JSON.stringify(body), headers);
}

/** A reply of JSON text already made; `headers` is taken over as in `jsonReply`. */
export function jsonTextReply(status: number, json: string, headers: Record<string, string> = {}): GatewayReply {
  headers["content-type"] = JSON_TYPE;
  return { status, headers, body: json };
}

/** Printable ASCII: what an HTTP header value may hold (node:http refuses the rest, after the upstream was paid). */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

/** A client-chosen name (a model) as a header value: percent-encoded when it holds anything else. */
export function headerValue(text: string): string {
  return HEADER_SAFE.test(text) ? text : encodeURIComponent(text);
}

/** Headers that say what the router did (provider, upstream model, attempts, route trace), and the key's rate limits. */
export function routeHeaders(requestId: string, route: RouteInfo, into: Record<string, string> = {}): Record<string, string> {
  into["x-request-id"] = requestId;
  into["x-switchyard-provider"] = route.deployment.provider;
  into["x-switchyard-model"] = headerValue(route.deployment.model);
  into["x-switchyard-attempts"] = String(route.attempts.length);
  into["x-switchyard-route"] = headerValue(formatRoute(route.attempts));
  if (route.rateLimits) Object.assign(into, route.rateLimits);
  return into;
}

/**
 * The longest Retry-After an upstream's answer passes on to clients. The SDKs sleep as long as
 * they are told (a proxy's `Retry-After: 86400` would hold a call for a day), and the gateway
 * may well have another deployment or key ready sooner.
 */
export const MAX_UPSTREAM_RETRY_AFTER_SECONDS = 60;

/**
 * Whole seconds (RFC 9110 delta-seconds) for the client's Retry-After: an upstream's wait is capped;
 * the gateway's own (a budget's renewal, its rate limits) is told as it is.
 */
function clientRetryAfter(failure: GatewayError): string | undefined {
  const seconds = failure.retryAfterSeconds;
  if (seconds === undefined || !(seconds >= 0)) return undefined;
  const bounded = failure.upstreamStatus === undefined ? seconds : Math.min(seconds, MAX_UPSTREAM_RETRY_AFTER_SECONDS);
  return Number.isFinite(bounded) ? String(Math.ceil(bounded)) : undefined;
}

/** The OpenAI error shape with a truthful status; messages pass the redactor once more. */
export function errorReply(error: unknown, requestId: string, redactor: Redactor): GatewayReply {
  const failure: GatewayError & { attempts?: AttemptTrace[] } = asGatewayError(error);
  const headers: Record<string, string> = { "x-request-id": requestId };
  if (failure.attempts && failure.attempts.length > 0) {
    const last = failure.attempts[failure.attempts.length - 1]!;
    headers["x-switchyard-provider"] = last.deployment.provider;
    headers["x-switchyard-model"] = headerValue(last.deployment.model);
    headers["x-switchyard-attempts"] = String(failure.attempts.length);
    headers["x-switchyard-route"] = headerValue(formatRoute(failure.attempts));
  }
  const retryAfter = clientRetryAfter(failure);
  if (retryAfter !== undefined) headers["retry-after"] = retryAfter;
  // The OpenAI and Anthropic SDKs retry every 429 unless told not to; the same request cannot fit the budget that refused it.
  if (failure.kind === "budget_exceeded") headers["x-should-retry"] = "false";
  // Nor can a provider account out of credit (OpenAI's 429 insufficient_quota): waiting does not pay the bill.
  if (failure.kind === "rate_limit" && failure.code === "insufficient_quota") headers["x-should-retry"] = "false";
  // A server error after the gateway's own retries or failover: each SDK retry would run the whole plan again.
  if (failure.status >= 500 && failure.attempts !== undefined && failure.attempts.length > 1) headers["x-should-retry"] = "false";
  if (failure.headers) Object.assign(headers, failure.headers);
  const body = failure.toJSON();
  body.error.message = redactor.redact(body.error.message);
  return jsonReply(failure.status, body, headers);
}
