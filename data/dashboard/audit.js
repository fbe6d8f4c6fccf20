/** The audit log tab. */
import { api, API } from "./api.js";
import { $, timeCell } from "./dom.js";
import { createPager } from "./pager.js";
import { renderTable } from "./table.js";

/** The audit log's actions, for the filter (the API refuses any other). */
export const AUDIT_ACTIONS = ["key.created", "key.updated", "key.revoked", "config.reloaded", "config.rejected", "request.denied"];

export const auditPager = createPager("audit");

export async function loadAudit() {
  const limit = Number($("audit-limit").value);
  const audit = await api(API.audit, { query: { limit, action: $("audit-action").value, ...auditPager.query() } });
  auditPager.loaded(audit.data, limit);
  renderTable($("audit-table"), {
    id: "audit", rows: audit.data, defaultSort: { key: "ts", descending: true }, empty: auditPager.atNewest() ? "No audit event." : "No older audit event.",
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
