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

/** A fresh object per reply: route headers are added to it (a literal, not a spread copy: see `extensibleCopy`). */
export function sseHeaders(): Record<string, string> {
  return { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" };
}

/** Deeper JSON than any real request needs; deeper input could exhaust the stack when re-serialized. */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Nesting depth of raw JSON bytes (strings skipped), stopping early once past `limit`. */
export function jsonDepthExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** The request body as JSON, or a 400 that says what is wrong with it. */
export function readJson(request: GatewayHttpRequest): unknown {
  if (!request.body || request.body.length === 0) {
    throw new GatewayError("bad_request", "Request body is empty; expected a JSON object", { code: "invalid_request_body" });
  }
  if (jsonDepthExceeds(request.body, MAX_JSON_DEPTH)) {
    throw new GatewayError("bad_request", `Request body is nested more than ${MAX_JSON_DEPTH} levels deep`, { code: "invalid_request_body" });
  }
  try {
    return JSON.parse(request.body.toString("utf8"));
  } catch (error) {
    // Only the position: the parser's own message quotes the body, which may hold a secret.
    const position = error instanceof SyntaxError ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    throw new GatewayError("bad_request", `Request body is not valid JSON${position ? ` (at position ${position})` : ""}`, { code: "invalid_json" });
  }
}
