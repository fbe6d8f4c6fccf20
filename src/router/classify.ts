/**
 * The one table that decides what an error means for routing:
 *   retry   — try the same deployment again (after backoff), then move on;
 *   next    — move to the next deployment at once;
 *   context — only a deployment with a larger context window can help;
 *   stop    — the request itself is wrong: no other upstream call.
 */
import type { GatewayError } from "../core/errors.js";

export type ErrorAction = "retry" | "next" | "context" | "stop";

export function classifyError(error: GatewayError): ErrorAction {
  switch (error.kind) {
    case "upstream_unavailable": // 503, 529, connection reset before a response
      return "retry";
    case "upstream_error": // 5xx; an unparsable body will not parse better the second time, nor a wrong address resolve
      return error.code === "invalid_response" || error.code === "upstream_unreachable" ? "next" : "retry";
    case "rate_limit":
    case "timeout":
    case "upstream_auth":
      return "next";
    case "not_found":
      // An upstream 404 means this deployment is misconfigured; a gateway 404 means the request is.
      return error.upstreamStatus !== undefined ? "next" : "stop";
    case "context_length_exceeded":
      return "context";
    default:
      return "stop";
  }
}
