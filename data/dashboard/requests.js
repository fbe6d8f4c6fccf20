/** The requests tab: recent requests, filtered in the page by text and failures. */
import { api, API } from "./api.js";
import { $, badge, el, formatInt, formatMs, formatUsd, keyLabel, muted, timeCell } from "./dom.js";
import { createPager } from "./pager.js";
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

export const requestsPager = createPager("requests");

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
    empty: rows.length > 0 ? "No request matches the filter." : requestsPager.atNewest() ? "No requests recorded yet." : "No older request.",
  });
}

export async function loadRequests() {
  const keys = await api(API.keys);
  const limit = Number($("requests-limit").value);
  const requests = await api(API.requests, { query: { limit, ...requestsPager.query() } });
  lastRequests = { rows: requests.data, keysById: new Map(keys.data.map((key) => [key.id, key])) };
  requestsPager.loaded(requests.data, limit);
  renderRequests();
}
