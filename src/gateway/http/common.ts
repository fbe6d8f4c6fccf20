/**
 * Pieces every HTTP route shares: the route signature, JSON body reading,
 * SSE headers, and the request facts taken from headers.
 */
import { GatewayError } from "../../core/errors.js";
import type { RequestMeta } from "../route-request.js";
import type { Runtime } from "../runtime.js";
import type { GatewayHttpRequest, GatewayReply } from "./types.js";

export interface RouteContext {
  requestId: string;
  /** Who is calling (key), and routing facts from headers (tags). */
  meta: RequestMeta;
}

export type Route = (runtime: Runtime, request: GatewayHttpRequest, context: RouteContext) => Promise<GatewayReply>;

export const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" };

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
