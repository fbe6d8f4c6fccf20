/**
 * Who is calling. With a master key configured, `/v1/*` needs a virtual key or
 * the master key, and `/admin/*` and `/metrics` need the master key. Without one
 * the gateway serves loopback only; a virtual key presented there still applies
 * its scopes, limits and budget. The dashboard's static files are open: they
 * hold no data, and the page asks for the master key itself. Refusals go to
 * the audit log.
 */
import { deniedRequestEvent } from "../../auth/audit-log.js";
import type { Principal } from "../../auth/key-authenticator.js";
import { GatewayError } from "../../core/errors.js";
import { isDashboardPath } from "./dashboard.js";
import type { Runtime } from "../runtime.js";
import type { RequestHead } from "./types.js";

export type Access = "open" | "client" | "admin";

export function accessFor(path: string): Access {
  if (path === "/health" || isDashboardPath(path)) return "open";
  if (path.startsWith("/admin/") || path === "/metrics") return "admin";
  return "client";
}

function presentsCredential(request: RequestHead): boolean {
  return request.headers.authorization !== undefined || request.headers["x-api-key"] !== undefined;
}

/** Either header: a virtual key in `Authorization` must not be skipped because `x-api-key` holds a placeholder. */
function looksLikeVirtualKey(request: RequestHead): boolean {
  return [request.headers["x-api-key"], request.headers.authorization].some((raw) => {
    const value = Array.isArray(raw) ? raw[0] : raw;
    return typeof value === "string" && /(^|\s)sk-sy-/.test(value);
  });
}

export function authenticate(runtime: Runtime, request: RequestHead, requestId: string): Principal | undefined {
  const access = accessFor(request.path);
  if (access === "open") return undefined;
  const enforced = runtime.masterKey !== undefined;
  if (!enforced && !(access === "client" && presentsCredential(request) && looksLikeVirtualKey(request))) return undefined;
  let principal: Principal | undefined;
  try {
    principal = runtime.authenticator.authenticate(request.headers);
    if (access === "admin" && principal.kind !== "master") {
      throw new GatewayError("permission", "The admin API requires the master key", { code: "master_key_required" });
    }
    return principal;
  } catch (error) {
    // The principal is known for a 403 (a virtual key on an admin route): the event names that key.
    if (error instanceof GatewayError) runtime.stores.audit.record(deniedRequestEvent(error, { principal, target: request.path, requestId }));
    throw error;
  }
}
