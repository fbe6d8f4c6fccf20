/**
 * CORS, off unless `server.cors_origins` lists origins. Preflights are answered
 * here; allowed origins get the response headers browsers need.
 */
import type { GatewayReply, RequestHead } from "./types.js";

const ALLOWED_HEADERS = "authorization, content-type, x-api-key, x-request-id, x-switchyard-tags, anthropic-version, anthropic-beta";
const EXPOSED_HEADERS = "x-request-id, x-switchyard-provider, x-switchyard-model, x-switchyard-attempts, x-switchyard-route, x-switchyard-cost-usd, x-switchyard-unpriced, retry-after, " +
  "x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens";

function allowedOrigin(request: RequestHead, origins: readonly string[]): string | undefined {
  const origin = request.headers.origin;
  if (typeof origin !== "string" || origins.length === 0) return undefined;
  if (origins.includes("*")) return "*";
  return origins.includes(origin) ? origin : undefined;
}

/** A preflight reply, or undefined when the request is not a preflight (an OPTIONS without `Origin` is a plain one: 405 with `Allow`). */
export function preflight(request: RequestHead, origins: readonly string[]): GatewayReply | undefined {
  if (request.method !== "OPTIONS" || request.headers.origin === undefined) return undefined;
  const origin = allowedOrigin(request, origins);
  if (!origin) return { status: 403, headers: {}, body: "" };
  return {
    status: 204,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "GET, POST, PATCH, DELETE, OPTIONS",
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
      vary: "origin",
    },
    body: "",
  };
}

export function withCors(request: RequestHead, reply: GatewayReply, origins: readonly string[]): GatewayReply {
  const origin = allowedOrigin(request, origins);
  if (origin) {
    reply.headers["access-control-allow-origin"] = origin;
    reply.headers["access-control-expose-headers"] = EXPOSED_HEADERS;
    reply.headers.vary = "origin";
  }
  return reply;
}
