/**
 * Pieces every HTTP route shares: the route signature, JSON body reading,
 * SSE headers, and the request facts taken from headers.
 */
import { GatewayError } from "../../core/errors.js";
import { rememberJsonSource } from "../../core/json-source.js";
import type { RequestMeta } from "../route-request.js";
import type { Runtime } from "../runtime.js";
import type { GatewayHttpRequest, GatewayReply } from "./types.js";

export interface RouteContext {
  requestId: string;
  /** Who is calling (key), and routing facts from headers (tags). */
  meta: RequestMeta;
}

export type Route = (runtime: Runtime, request: GatewayHttpRequest, context: RouteContext) => Promise<GatewayReply>;

/** A fresh object per reply: route headers are added to it (a literal, not a spread copy: see `extensibleCopy`). */
export function sseHeaders(): Record<string, string> {
  return { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" };
}

/** A 405 that says, as RFC 9110 requires, which methods the path does answer. */
export function methodNotAllowed(request: Pick<GatewayHttpRequest, "method" | "path">, allowed: string): GatewayError {
  return new GatewayError("bad_request", `Method ${request.method} is not allowed on ${request.path}`, { status: 405, code: "method_not_allowed", headers: { allow: allowed } });
}

/** Deeper JSON than any real request needs; deeper input could exhaust the stack when re-serialized. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a parsed JSON value nests objects and arrays deeper than `limit`.
 * Checked after parsing (V8's JSON.parse is iterative, so deep input cannot
 * exhaust the stack there): only containers are walked, never the characters
 * of strings, which are most of a chat body.
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (jsonDepthExceeds(item, limit - 1)) return true;
    return false;
  }
  for (const key in value) if (jsonDepthExceeds((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

/** The request body as JSON (its text remembered: see json-source.ts), or a 400 that says what is wrong with it. */
export function readJson(request: GatewayHttpRequest): unknown {
  if (!request.body || request.body.length === 0) {
    throw new GatewayError("bad_request", "Request body is empty; expected a JSON object", { code: "invalid_request_body" });
  }
  let text = request.body.toString("utf8");
  // A byte order mark (Windows tools write one) is no part of the JSON text (RFC 8259 §8.1 lets a parser ignore it).
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Only the position: the parser's own message quotes the body, which may hold a secret.
    const position = error instanceof SyntaxError ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    throw new GatewayError("bad_request", `Request body is not valid JSON${position ? ` (at position ${position})` : ""}`, { code: "invalid_json" });
  }
  if (jsonDepthExceeds(value, MAX_JSON_DEPTH)) {
    throw new GatewayError("bad_request", `Request body is nested more than ${MAX_JSON_DEPTH} levels deep`, { code: "invalid_request_body" });
  }
  rememberJsonSource(value, text);
  return value;
}
