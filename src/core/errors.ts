/**
 * The one error type that crosses layers. Each kind has a truthful HTTP status
 * and an OpenAI error `type`; `retryable` tells the router whether the same
 * deployment may be tried again, `failover` whether another may be tried.
 */
export type ErrorKind =
  | "bad_request"
  | "context_length_exceeded"
  | "auth"
  | "permission"
  | "not_found"
  | "payload_too_large"
  | "rate_limit"
  | "budget_exceeded"
  | "timeout"
  | "upstream_error"
  | "upstream_unavailable"
  | "upstream_auth"
  | "content_filter"
  | "client_closed"
  | "internal";

interface KindInfo { status: number; type: string; retryable: boolean; failover: boolean }

const KINDS: Record<ErrorKind, KindInfo> = {
  bad_request: { status: 400, type: "invalid_request_error", retryable: false, failover: false },
  context_length_exceeded: { status: 400, type: "invalid_request_error", retryable: false, failover: false },
  content_filter: { status: 400, type: "invalid_request_error", retryable: false, failover: false },
  auth: { status: 401, type: "authentication_error", retryable: false, failover: false },
  permission: { status: 403, type: "permission_error", retryable: false, failover: false },
  not_found: { status: 404, type: "not_found_error", retryable: false, failover: false },
  payload_too_large: { status: 413, type: "invalid_request_error", retryable: false, failover: false },
  rate_limit: { status: 429, type: "rate_limit_error", retryable: false, failover: true },
  budget_exceeded: { status: 429, type: "rate_limit_error", retryable: false, failover: false },
  timeout: { status: 504, type: "timeout_error", retryable: false, failover: true },
  upstream_error: { status: 502, type: "api_error", retryable: true, failover: true },
  upstream_unavailable: { status: 503, type: "api_error", retryable: true, failover: true },
  // The provider rejected the gateway's own key: the client's key is fine, so never 401 to the client.
  upstream_auth: { status: 502, type: "api_error", retryable: false, failover: true },
  // The client went away; nobody reads this, but the ledger records it (nginx's 499).
  client_closed: { status: 499, type: "client_closed", retryable: false, failover: false },
  internal: { status: 500, type: "server_error", retryable: false, failover: false },
};

export interface GatewayErrorOptions {
  /** OpenAI `code` (e.g. "model_not_found", "context_length_exceeded"). */
  code?: string | null;
  param?: string | null;
  /** Status the upstream answered with, when the error came from one. */
  upstreamStatus?: number;
  /** Seconds the client (or router) should wait before retrying. */
  retryAfterSeconds?: number;
  /** Override the kind's default status (e.g. to pass an upstream 422 through truthfully). */
  status?: number;
  provider?: string;
  /** Extra response headers (e.g. OpenAI-style `x-ratelimit-*` on a 429). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly code: string | null;
  readonly param: string | null;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly provider: string | undefined;
  readonly headers: Record<string, string> | undefined;
  /** The failure was this provider key's (rejected or rate limited) and another key is ready: retry at once. */
  retryWithAnotherKey = false;

  constructor(kind: ErrorKind, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.kind = kind;
    this.status = options.status ?? KINDS[kind].status;
    this.code = options.code ?? null;
    this.param = options.param ?? null;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.provider = options.provider;
    this.headers = options.headers;
  }

  get type(): string {
    return KINDS[this.kind].type;
  }

  get retryable(): boolean {
    return KINDS[this.kind].retryable;
  }

  get failover(): boolean {
    return KINDS[this.kind].failover;
  }

  /** The OpenAI error body. Never includes a stack or a cause. */
  toJSON(): { error: { message: string; type: string; code: string | null; param: string | null } } {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

/** Any thrown value as a GatewayError; unknown failures become a generic 500 without internals. */
export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError("internal", "Internal gateway error", { cause: error });
}

export function statusToKind(status: number): ErrorKind {
  if (status === 400 || status === 409 || status === 422) return "bad_request";
  if (status === 401) return "upstream_auth";
  if (status === 402) return "upstream_auth";
  if (status === 403) return "upstream_auth";
  if (status === 404) return "not_found";
  if (status === 408) return "timeout";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "rate_limit";
  if (status === 504) return "timeout";
  if (status === 503 || status === 529 || status === 498) return "upstream_unavailable";
  return "upstream_error";
}

/** An upstream answer that cannot be understood (not JSON, wrong shape, garbled event). */
export function invalidResponse(provider: string, what: string): GatewayError {
  return new GatewayError("upstream_error", `Provider '${provider}' returned ${what}`, { code: "invalid_response", provider });
}
