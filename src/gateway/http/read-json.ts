import { GatewayError } from "../../core/errors.js";
import type { GatewayHttpRequest } from "./types.js";

/** The request body as JSON, or a 400 that says what is wrong with it. */
export function readJson(request: GatewayHttpRequest): unknown {
  if (!request.body || request.body.length === 0) {
    throw new GatewayError("bad_request", "Request body is empty; expected a JSON object", { code: "invalid_request_body" });
  }
  try {
    return JSON.parse(request.body.toString("utf8"));
  } catch (error) {
    const detail = error instanceof SyntaxError ? `: ${error.message}` : "";
    throw new GatewayError("bad_request", `Request body is not valid JSON${detail}`, { code: "invalid_json" });
  }
}
