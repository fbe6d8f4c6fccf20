/**
 * Anthropic error answers → GatewayError. The body is
 * `{"type":"error","error":{"type","message"},"request_id"}` both as a non-2xx
 * body and as an `error` event after a 200 stream started.
 */
import { GatewayError, statusToKind, type ErrorKind } from "../../core/errors.js";
import type { HeaderBag } from "../adapter.js";
import { parseErrorBody } from "../openai-error.js";
import { parseRetryAfter } from "../retry-after.js";

const CONTEXT_LENGTH = /prompt is too long|exceed context limit|context window|context length|too many tokens/i;
// Anthropic answers 400 when the gateway's account is out of credit or over its spend cap:
// the gateway's problem, not the client's, and another provider may well succeed.
const ACCOUNT_LIMIT = /credit balance|usage limits|spend limit|billing/i;

function classify(status: number, type: string | undefined, message: string): ErrorKind {
  if (status === 529 || type === "overloaded_error") return "upstream_unavailable";
  if (type === "authentication_error" || type === "permission_error" || type === "billing_error") return "upstream_auth";
  const kind = statusToKind(status);
  if (kind !== "bad_request") return kind;
  if (ACCOUNT_LIMIT.test(message)) return "upstream_auth";
  return CONTEXT_LENGTH.test(message) ? "context_length_exceeded" : "bad_request";
}

/** A non-2xx answer. Client mistakes keep Anthropic's status and message; the rest names the provider. */
export function anthropicError(provider: string, status: number, headers: HeaderBag, bodyText: string): GatewayError {
  const parsed = parseErrorBody(bodyText);
  const detail = parsed.message ?? `HTTP ${status}`;
  const kind = classify(status, parsed.type, detail);
  const message =
    kind === "upstream_auth"
      ? `Provider '${provider}' rejected the gateway's credentials or account (HTTP ${status}): ${detail}`
      : kind === "bad_request" || kind === "context_length_exceeded" || kind === "not_found"
        ? detail
        : `Provider '${provider}' failed (HTTP ${status}): ${detail}`;
  return new GatewayError(kind, message, {
    code: kind === "context_length_exceeded" ? "context_length_exceeded" : null,
    upstreamStatus: status,
    status: kind === "bad_request" ? status : undefined,
    retryAfterSeconds: parseRetryAfter(headers, Date.now()),
    provider,
  });
}

/**
 * An error object delivered after a 200 (an `error` stream event, or an error
 * envelope as the body): overload is worth trying elsewhere, a timeout stays a
 * timeout (the Anthropic front reports it as one), anything else is an upstream failure.
 */
export function anthropicErrorEvent(
  provider: string,
  error: { type?: string | undefined; message?: string | undefined } | undefined,
  where: "mid-stream" | "in its answer",
): GatewayError {
  const type = error?.type ?? "api_error";
  const kind: ErrorKind = type === "overloaded_error" ? "upstream_unavailable" : type === "timeout_error" ? "timeout" : "upstream_error";
  return new GatewayError(kind, `Provider '${provider}' failed ${where}: ${error?.message ?? type}`, { provider, code: type });
}
