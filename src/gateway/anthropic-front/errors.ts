/**
 * GatewayError → Anthropic's error shape, keeping the gateway's truthful status
 * (the Anthropic SDKs pick their exception class from the status and read
 * `error.type` from the body).
 */
import { asGatewayError, type GatewayError } from "../../core/errors.js";
import type { Redactor } from "../../core/redact.js";
import { errorReply } from "../http/reply.js";
import type { GatewayReply } from "../http/types.js";
import type { AnthropicErrorBody, AnthropicErrorType } from "./types.js";

export function anthropicErrorType(error: GatewayError): AnthropicErrorType {
  switch (error.status) {
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503: case 529: return "overloaded_error";
    case 504: return "timeout_error";
    default: return error.status >= 400 && error.status < 500 ? "invalid_request_error" : "api_error";
  }
}

/**
 * After a 200 the status is gone and only the `error` event's type tells the
 * client what happened: overloaded for a provider's capacity, timeout_error
 * (Anthropic's type for its 504) when the upstream went silent or took too
 * long, api otherwise.
 */
function midStreamErrorType(error: GatewayError): AnthropicErrorType {
  if (error.kind === "timeout") return "timeout_error";
  return error.kind === "upstream_unavailable" || error.kind === "rate_limit" ? "overloaded_error" : "api_error";
}

export function anthropicErrorBody(
  error: unknown,
  redactor: Redactor,
  requestId: string,
  options: { midStream?: boolean } = {},
): AnthropicErrorBody {
  const failure = asGatewayError(error);
  return {
    type: "error",
    error: {
      type: options.midStream ? midStreamErrorType(failure) : anthropicErrorType(failure),
      message: redactor.redact(failure.message),
    },
    request_id: requestId,
  };
}

/** The same status and headers as the OpenAI routes' error replies (route trace, retry-after, x-should-retry), Anthropic's body. */
export function anthropicErrorReply(error: unknown, requestId: string, redactor: Redactor): GatewayReply {
  const reply = errorReply(error, requestId, redactor);
  reply.headers["request-id"] = requestId;
  reply.body = JSON.stringify(anthropicErrorBody(error, redactor, requestId));
  return reply;
}
