/** The audit log tab. */
import { api, API } from "./api.js";
import { $, timeCell } from "./dom.js";
import { renderTable } from "./table.js";

/** The audit log's actions, for the filter (the API refuses any other). */
export const AUDIT_ACTIONS = ["key.created", "key.updated", "key.revoked", "config.reloaded", "config.rejected", "request.denied"];

/**
 * Paging: null shows the newest events. The API's `before` is exclusive and has
 * no tie-breaker, so an older page asks for events up to the last one's
 * millisecond (`before` = its ts + 1) and leaves out the events the page before
 * it showed: events sharing that millisecond are neither skipped nor repeated.
 */
let cursor = null;
const newer = [];
let shown = [];
let hasOlder = false;

export function olderAudit() {
  const last = shown.at(-1);
  if (!hasOlder || !last) return false;
  const seen = new Set(shown.filter((event) => event.ts === last.ts).map((event) => event.id));
  // A page all in one millisecond: the pages before it showed some of that millisecond's events too.
  if (cursor && cursor.before === last.ts + 1) for (const id of cursor.seen) seen.add(id);
  newer.push(cursor);
  cursor = { before: last.ts + 1, seen };
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
  const audit = await api(API.audit, { query: { limit, action: $("audit-action").value, before: cursor?.before } });
  shown = cursor ? audit.data.filter((event) => !cursor.seen.has(event.id)) : audit.data;
  hasOlder = audit.data.length >= limit && shown.length > 0;
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
