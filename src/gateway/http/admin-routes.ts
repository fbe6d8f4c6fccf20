/**
 * The admin API (master key only): virtual keys, spend, recent requests,
 * savings, the audit log and provider health.
 */
import { AUDIT_ACTIONS } from "../../auth/audit-log.js";
import { parseKeyCreate, parseKeyPatch } from "../../auth/key-input.js";
import { toPublicKey } from "../../auth/virtual-key.js";
import { GatewayError } from "../../core/errors.js";
import { readStorage, recentRequests, storageUnavailable, parseBeforeId, parseEnd, parseTime, savingsReport, spendReport } from "../reports.js";
import type { Runtime } from "../runtime.js";
import { providersReport } from "./admin-providers.js";
import { methodNotAllowed, readJson, type Route } from "./common.js";
import { jsonReply } from "./reply.js";
import type { GatewayHttpRequest } from "./types.js";

const KEY_PATH = /^\/admin\/keys\/([A-Za-z0-9_-]{1,64})$/;

function limitParam(request: GatewayHttpRequest): number | undefined {
  const raw = request.query.get("limit");
  if (raw === null) return undefined;
  // Digits only: Number() would also take `0x10`, `1e2` or ` 5`.
  const limit = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new GatewayError("bad_request", "Invalid 'limit': expected an integer from 1 to 1000", { param: "limit" });
  return limit;
}

/**
 * Waits until a key change is stored (a background-writing store, PostgreSQL);
 * a change that could not be stored is a 503, not a success.
 */
async function stored(runtime: Runtime): Promise<void> {
  try {
    await runtime.stores.keys.flush?.();
  } catch (error) {
    throw storageUnavailable("The key change could not be stored in the database; try again", error);
  }
}

function keyNotFound(id: string): GatewayError {
  return new GatewayError("not_found", `No key with id '${id}'`, { code: "key_not_found" });
}

const createKey: Route = async (runtime, request, { requestId }) => {
  const input = parseKeyCreate(readJson(request));
  const { key, secret } = runtime.stores.keys.create(input);
  await stored(runtime);
  runtime.stores.audit.record({ actor: "master", action: "key.created", key_prefix: key.prefix, target: key.id, reason: null, status: 201, request_id: requestId });
  // The secret is returned this once and never stored.
  return jsonReply(201, { ...toPublicKey(key), key: secret });
};

const listKeys: Route = async (runtime) => jsonReply(200, { object: "list", data: runtime.stores.keys.list().map(toPublicKey) });

async function keyById(runtime: Runtime, request: GatewayHttpRequest, requestId: string) {
  const id = KEY_PATH.exec(request.path)![1]!;
  if (request.method === "GET" || request.method === "HEAD") {
    const key = runtime.stores.keys.get(id);
    if (!key) throw keyNotFound(id);
    return jsonReply(200, toPublicKey(key));
  }
  if (request.method === "PATCH") {
    const patch = parseKeyPatch(readJson(request));
    const key = runtime.stores.keys.update(id, patch);
    if (!key) throw keyNotFound(id);
    await stored(runtime);
    runtime.stores.audit.record({ actor: "master", action: "key.updated", key_prefix: key.prefix, target: id, reason: Object.keys(patch).join(","), status: 200, request_id: requestId });
    return jsonReply(200, toPublicKey(key));
  }
  if (request.method === "DELETE") {
    const existing = runtime.stores.keys.get(id);
    if (!existing) throw keyNotFound(id);
    const revokedNow = runtime.stores.keys.revoke(id);
    await stored(runtime);
    // Revoking twice is a no-op: only the first revocation is an event.
    if (revokedNow) runtime.stores.audit.record({ actor: "master", action: "key.revoked", key_prefix: existing.prefix, target: id, reason: null, status: 200, request_id: requestId });
    return jsonReply(200, { id, revoked: true });
  }
  throw methodNotAllowed(request, "GET, HEAD, PATCH, DELETE");
}

const spend: Route = async (runtime, request) => {
  const q = request.query;
  const rows = await spendReport(runtime, q.get("group_by") ?? "model", parseTime(q.get("from"), "from"), parseEnd(q.get("to"), "to"));
  return jsonReply(200, { object: "list", group_by: q.get("group_by") ?? "model", data: rows });
};

const requests: Route = async (runtime, request) => {
  const before = parseTime(request.query.get("before"), "before");
  const rows = await recentRequests(runtime, limitParam(request), before, parseBeforeId(request.query.get("before_id"), before));
  return jsonReply(200, { object: "list", data: rows });
};

const savings: Route = async (runtime, request) => {
  const q = request.query;
  const fees = q.get("fees")?.split(",").map(Number);
  if (fees?.some((fee) => !Number.isFinite(fee) || fee < 0)) throw new GatewayError("bad_request", "Invalid 'fees': expected comma-separated percentages", { param: "fees" });
  return jsonReply(200, await savingsReport(runtime, parseTime(q.get("from"), "from"), parseEnd(q.get("to"), "to"), fees));
};

const audit: Route = async (runtime, request) => {
  const action = request.query.get("action") ?? undefined;
  if (action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(action)) {
    throw new GatewayError("bad_request", `Invalid 'action': expected one of ${AUDIT_ACTIONS.join(", ")}`, { param: "action" });
  }
  const before = parseTime(request.query.get("before"), "before");
  const query = { limit: limitParam(request), before, beforeId: parseBeforeId(request.query.get("before_id"), before), action: action as never };
  const events = await readStorage(() => runtime.stores.audit.list(query));
  return jsonReply(200, { object: "list", data: events });
};

const providers: Route = async (runtime) => jsonReply(200, providersReport(runtime));

export const ADMIN_ROUTES: Record<string, Route> = {
  "POST /admin/keys": createKey,
  "GET /admin/keys": listKeys,
  "GET /admin/spend": spend,
  "GET /admin/requests": requests,
  "GET /admin/savings": savings,
  "GET /admin/audit": audit,
  "GET /admin/providers": providers,
};

/** `/admin/keys/:id` (GET, PATCH, DELETE), or undefined when the path is something else. */
export function adminKeyRoute(path: string): Route | undefined {
  return KEY_PATH.test(path) ? (runtime, request, context) => keyById(runtime, request, context.requestId) : undefined;
}
