/** The requests tab: recent requests, filtered in the page by text and failures. */
import { api, API } from "./api.js";
import { $, badge, el, formatInt, formatMs, formatUsd, keyLabel, muted, timeCell } from "./dom.js";
import { renderTable } from "./table.js";

let lastRequests = { rows: [], keysById: new Map() };

function requestText(row, keysById) {
  return [row.request_id, keyLabel(keysById, row.key_id), row.requested_model, row.provider + "/" + row.model, row.status, row.error_kind, row.route, row.stream ? "stream" : ""].join(" ").toLowerCase();
}

function requestColumns(keysById) {
  return [
    { key: "ts", label: "Time", value: (row) => row.ts, render: (row) => timeCell(row.ts), title: (row) => "request " + row.request_id },
    { key: "key", label: "Key", value: (row) => keyLabel(keysById, row.key_id), className: "wrap" },
    { key: "requested", label: "Requested", value: (row) => row.requested_model, className: "mono wrap" },
    { key: "served", label: "Provider / model", value: (row) => (row.provider ? row.provider + "/" + row.model : ""), className: "mono wrap" },
    {
      key: "status", label: "Status", value: (row) => row.status, numeric: true,
      render: (row) => el("span", {}, badge(String(row.status), row.status >= 400 ? "fail" : "ok"), row.error_kind ? " " + row.error_kind : null, row.stream ? muted(" stream") : null),
    },
    { key: "attempts", label: "Attempts", value: (row) => row.attempts, numeric: true, render: (row) => (row.attempts > 1 ? el("strong", { text: String(row.attempts) }) : String(row.attempts)) },
    { key: "route", label: "Route", value: (row) => row.route, className: "mono small wrap" },
    {
      key: "tokens", label: "Tokens in → out", value: (row) => row.input_tokens + row.output_tokens, numeric: true,
      render: (row) => formatInt(row.input_tokens) + " → " + formatInt(row.output_tokens),
      title: (row) => formatInt(row.cached_tokens) + " cached, " + formatInt(row.cache_write_tokens) + " cache write, " + formatInt(row.reasoning_tokens) + " reasoning",
    },
    {
      key: "cost", label: "Cost", value: (row) => row.cost_usd, numeric: true,
      render: (row) => (row.unpriced ? badge("unpriced", "warn") : (row.estimated ? "≈ " : "") + formatUsd(row.cost_usd)),
      title: (row) => (row.estimated ? "estimated" : undefined),
    },
    { key: "latency", label: "Latency", value: (row) => row.latency_ms, numeric: true, render: (row) => formatMs(row.latency_ms), title: (row) => (row.ttft_ms == null ? undefined : "first token after " + formatMs(row.ttft_ms)) },
  ];
}

/**
 * Paging: null shows the newest rows; older pages are read from a cursor (the
 * previous page's last row: `before` its ts, `before_id` its id, so rows
 * sharing a millisecond are neither skipped nor repeated). `newer` holds the
 * cursors of the pages passed, to go back. A refresh reloads the page shown.
 */
let cursor = null;
const newer = [];
let hasOlder = false;

export function olderRequests() {
  const last = lastRequests.rows.at(-1);
  if (!hasOlder || !last) return false;
  newer.push(cursor);
  cursor = { before: last.ts, before_id: last.id };
  return true;
}

export function newerRequests() {
  if (newer.length === 0) return false;
  cursor = newer.pop();
  return true;
}

/** Back to the newest rows (the page size changed). */
export function newestRequests() {
  cursor = null;
  newer.length = 0;
}

function renderPager() {
  $("requests-newer").disabled = newer.length === 0;
  $("requests-older").disabled = !hasOlder;
  $("requests-page").textContent = cursor ? "page " + (newer.length + 1) + " · before " + new Date(cursor.before).toLocaleString() : "newest";
}

export function renderRequests() {
  const { rows, keysById } = lastRequests;
  const needle = $("requests-filter").value.trim().toLowerCase();
  const failuresOnly = $("requests-failures").checked;
  const shown = rows.filter((row) => (!failuresOnly || row.status >= 400) && (!needle || requestText(row, keysById).includes(needle)));
  const failures = rows.filter((row) => row.status >= 400).length;
  $("requests-count").textContent = shown.length + " of " + rows.length + " shown · " + failures + " failed";
  renderTable($("requests-table"), {
    id: "requests", rows: shown, columns: requestColumns(keysById),
    defaultSort: { key: "ts", descending: true },
    rowClass: (row) => (row.status >= 400 ? "failed" : undefined),
    empty: rows.length > 0 ? "No request matches the filter." : cursor ? "No older request." : "No requests recorded yet.",
  });
}

export async function loadRequests() {
  const keys = await api(API.keys);
  const limit = Number($("requests-limit").value);
  const requests = await api(API.requests, { query: { limit, before: cursor?.before, before_id: cursor?.before_id } });
  lastRequests = { rows: requests.data, keysById: new Map(keys.data.map((key) => [key.id, key])) };
  hasOlder = requests.data.length >= limit;
  renderPager();
  renderRequests();
}
