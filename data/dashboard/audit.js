/** The audit log tab. */
import { api, API } from "./api.js";
import { $, timeCell } from "./dom.js";
import { renderTable } from "./table.js";

/** The audit log's actions, for the filter (the API refuses any other). */
export const AUDIT_ACTIONS = ["key.created", "key.updated", "key.revoked", "config.reloaded", "config.rejected", "request.denied"];

/**
 * Paging: null shows the newest events; older pages are read from a cursor (the
 * previous page's last event: `before` its ts, `before_id` its id, so events
 * sharing a millisecond are neither skipped nor repeated), as for requests.
 */
let cursor = null;
const newer = [];
let shown = [];
let hasOlder = false;

export function olderAudit() {
  const last = shown.at(-1);
  if (!hasOlder || !last) return false;
  newer.push(cursor);
  cursor = { before: last.ts, before_id: last.id };
  return true;
}

export function newerAudit() {
  if (newer.length === 0) return false;
  cursor = newer.pop();
  return true;
}

/** Back to the newest events (the action filter or page size changed). */
export function newestAudit() {
  cursor = null;
  newer.length = 0;
}

export async function loadAudit() {
  const limit = Number($("audit-limit").value);
  const audit = await api(API.audit, { query: { limit, action: $("audit-action").value, before: cursor?.before, before_id: cursor?.before_id } });
  shown = audit.data;
  hasOlder = shown.length >= limit;
  $("audit-newer").disabled = newer.length === 0;
  $("audit-older").disabled = !hasOlder;
  $("audit-page").textContent = cursor ? "page " + (newer.length + 1) + " · before " + new Date(cursor.before).toLocaleString() : "newest";
  renderTable($("audit-table"), {
    id: "audit", rows: shown, defaultSort: { key: "ts", descending: true }, empty: cursor ? "No older audit event." : "No audit event.",
    rowClass: (event) => (event.action === "request.denied" || event.action === "config.rejected" ? "failed" : undefined),
    columns: [
      { key: "ts", label: "Time", value: (event) => event.ts, render: (event) => timeCell(event.ts) },
      { key: "action", label: "Action", value: (event) => event.action, className: "mono" },
      { key: "actor", label: "Actor", value: (event) => event.actor, className: "wrap" },
      { key: "key_prefix", label: "Key", value: (event) => event.key_prefix ?? "", render: (event) => (event.key_prefix ? event.key_prefix + "…" : "—"), className: "mono nowrap" },
      { key: "target", label: "Target", value: (event) => event.target ?? "", className: "wrap" },
      { key: "reason", label: "Reason", value: (event) => event.reason ?? "", className: "small wrap" },
      { key: "status", label: "Status", value: (event) => event.status, numeric: true },
      { key: "request_id", label: "Request id", value: (event) => event.request_id ?? "", className: "mono small" },
    ],
  });
}
