import { GatewayError, statusToKind, type ErrorKind } from "../core/errors.js";
import type { HeaderBag } from "./adapter.js";
import { parseRetryAfter } from "./retry-after.js";

const CONTEXT_LENGTH = /context[_ ]length|maximum context|context window|too many tokens|prompt is too long/i;

interface ParsedError { message?: string; code?: string; type?: string; param?: string }

function str(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/** Reads the error dialects of OpenAI-like hosts: `{error:{…}}`, `{error:"…"}`, Mistral's flat `{message}`, 422 `{detail}`. */
export function parseErrorBody(text: string): ParsedError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 500) || undefined };
  }
  if (json === null || typeof json !== "object") return {};
  const body = json as Record<string, unknown>;
  const error = body.error;
  if (typeof error === "string") return { message: error };
  if (error && typeof error === "object") {
    const e = error as Record<string, unknown>;
    return { message: str(e.message), code: str(e.code), type: str(e.type) ?? str(e.status), param: str(e.param) };
  }
  if (Array.isArray(body.detail)) return { message: JSON.stringify(body.detail).slice(0, 500) };
  return { message: str(body.message) ?? str(body.detail), code: str(body.code), type: str(body.type) };
}

/**
 * Turns a non-2xx upstream answer into a GatewayError with a truthful kind.
 * Client mistakes (400/404/422) keep the upstream's status and message; the
 * provider refusing the gateway's own credentials never looks like the client's fault.
 */
export function upstreamError(provider: string, status: number, headers: HeaderBag, bodyText: string): GatewayError {
  const parsed = parseErrorBody(bodyText);
  let kind: ErrorKind = statusToKind(status);
  if (kind === "bad_request" && (parsed.code === "context_length_exceeded" || CONTEXT_LENGTH.test(parsed.message ?? ""))) {
    kind = "context_length_exceeded";
  }
  const detail = parsed.message ?? `HTTP ${status}`;
  const message =
    kind === "upstream_auth"
      ? `Provider '${provider}' rejected the gateway's credentials (HTTP ${status}): ${detail}`
      : kind === "bad_request" || kind === "context_length_exceeded" || kind === "not_found"
        ? detail
        : `Provider '${provider}' failed (HTTP ${status}): ${detail}`;
  return new GatewayError(kind, message, {
    code: kind === "context_length_exceeded" ? "context_length_exceeded" : (parsed.code ?? null),
    param: parsed.param ?? null,
    upstreamStatus: status,
    status: kind === "bad_request" ? status : undefined,
    retryAfterSeconds: parseRetryAfter(headers, Date.now()),
    provider,
  });
}
