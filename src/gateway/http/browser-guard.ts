/**
 * Two browser attacks on a gateway. A web page the operator visits can POST to
 * it: a "simple" cross-site request (a text/plain or form body) needs no CORS
 * preflight, and the body is still read as JSON. And DNS rebinding lets a page
 * reach a loopback gateway under the page's own host name, and read the answers.
 * Browsers mark their requests with `Origin`; other clients (SDKs, curl) do not.
 * So an `Origin` must be the gateway's own or listed in `server.cors_origins`,
 * and a gateway without a master key (one that serves loopback only, where the
 * API is open) answers only to loopback host names.
 */
import { GatewayError } from "../../core/errors.js";
import type { RequestHead } from "./types.js";

const LOOPBACK_HOST = /^(localhost|[a-z0-9.-]*\.localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

export function refuseForeignBrowsers(request: RequestHead, corsOrigins: readonly string[], openApi: boolean): void {
  const host = request.headers.host;
  if (openApi && typeof host === "string" && !LOOPBACK_HOST.test(host)) {
    throw new GatewayError("permission", "This gateway has no master key and answers only to loopback host names (localhost, 127.0.0.1, [::1]); set server.master_key to serve other names", {
      code: "host_not_allowed",
    });
  }
  const origin = request.headers.origin;
  if (origin === undefined || request.method === "OPTIONS") return;
  if (corsOrigins.includes("*") || (typeof origin === "string" && corsOrigins.includes(origin)) || isSameOrigin(origin, host)) return;
  throw new GatewayError("permission", "Requests from other web origins are refused; list the origin in server.cors_origins to allow it", { code: "cross_origin_refused" });
}

function isSameOrigin(origin: unknown, host: unknown): boolean {
  if (typeof origin !== "string" || typeof host !== "string") return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // `Origin: null` (sandboxed frames, file: pages) names no origin at all
  }
}
