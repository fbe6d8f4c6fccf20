/**
 * Switchyard operator dashboard. Everything shown comes from the gateway's own
 * admin API, fetched with relative URLs (so the page works behind a path
 * prefix too). API data is written with textContent and DOM calls only, never
 * as HTML: model and key names are user input.
 *
 * The master key, when the gateway has one, is asked for on the first 401 and
 * kept in sessionStorage (this tab only) until "Sign out".
 */

const REFRESH_MS = 10_000;
const STORAGE_KEY = "switchyard.dashboard.masterKey";
const DAY_MS = 86_400_000;

/** Every endpoint the page calls (the tests check each exists and needs the master key). */
const API = {
  health: "health",
  spend: "admin/spend",
  savings: "admin/savings",
  requests: "admin/requests",
  providers: "admin/providers",
  keys: "admin/keys",
  audit: "admin/audit",
};
const keyPath = (id) => "admin/keys/" + encodeURIComponent(id);

/** The audit log's actions, for the filter (the API refuses any other). */
const AUDIT_ACTIONS = ["key.created", "key.updated", "key.revoked", "config.reloaded", "config.rejected", "request.denied"];

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- DOM helpers

/**
 * An element with properties and children. Children are nodes or text (made
 * into text nodes); null and undefined are skipped.
 */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "text") node.textContent = String(value);
    else if (name === "onClick") node.addEventListener("click", value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const badge = (text, kind) => el("span", { className: "badge " + kind, text });
const muted = (text) => el("span", { className: "muted", text });

// ---------------------------------------------------------------- formatting

function formatUsd(value) {
  if (value === null || value === undefined) return "—";
  const size = Math.abs(value);
  const digits = size === 0 ? 2 : size < 0.01 ? 6 : size < 1 ? 4 : 2;
  return "$" + value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const formatInt = (value) => (value === null || value === undefined ? "—" : Number(value).toLocaleString());

/** A local date-time for epoch ms or an ISO string; "—" for none. */
function formatTime(value) {
  if (value === null || value === undefined || value === "") return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** A time with its ISO form as a tooltip. */
function timeCell(value) {
  if (value === null || value === undefined) return muted("—");
  return el("time", { datetime: new Date(value).toISOString(), title: new Date(value).toISOString(), text: formatTime(value) });
}

/** "in 42 s", "in 3 min", "5 min ago" for a future or past time. */
function relativeTime(value) {
  const ms = new Date(value).getTime() - Date.now();
  const size = Math.abs(ms);
  const text = size < 60_000 ? Math.round(size / 1000) + " s" : size < 3_600_000 ? Math.round(size / 60_000) + " min" : Math.round(size / 3_600_000) + " h";
  return ms >= 0 ? "in " + text : text + " ago";
}

function formatMs(value) {
  return value === null || value === undefined ? "—" : Math.round(value).toLocaleString() + " ms";
}

// ---------------------------------------------------------------- API access

class ApiError extends Error {
  constructor(what, status, code, message) {
    super(what + ": " + (status ? "HTTP " + status + " — " : "") + message + (code ? " (" + code + ")" : ""));
    this.status = status;
    this.code = code;
  }
}

/** Thrown when the admin API wants the master key; the sign-in form is already showing. */
class SignInRequired extends Error {}

function storedKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeKey(value) {
  try {
    if (value === null) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Storage disabled: the key then lives only as long as this page.
  }
  memoryKey = value;
}

/** Fallback when sessionStorage is unavailable. */
let memoryKey = null;
const masterKey = () => storedKey() ?? memoryKey;

/** Calls the gateway; answers the parsed JSON or throws an ApiError that says which call failed and why. */
async function api(path, { method = "GET", query, body } = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  const search = params.toString();
  const url = search ? path + "?" + search : path;
  const what = method + " /" + path;
  const headers = { accept: "application/json" };
  const key = masterKey();
  if (key) headers.authorization = "Bearer " + key;
  if (body !== undefined) headers["content-type"] = "application/json";

  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store", credentials: "omit", redirect: "error" });
  } catch (error) {
    throw new ApiError(what, 0, null, "the gateway did not answer (" + error.message + ")");
  }
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const failure = json && typeof json === "object" && json.error ? json.error : null;
  const code = failure?.code ?? null;
  if (response.status === 401 || (response.status === 403 && code === "master_key_required")) {
    const rejected = key !== null;
    if (rejected) storeKey(null);
    showSignIn(rejected ? "The master key was not accepted: " + (failure?.message ?? "HTTP " + response.status) : "This gateway's admin API needs its master key.");
    throw new SignInRequired();
  }
  if (!response.ok) throw new ApiError(what, response.status, code, failure?.message ?? (text.slice(0, 200) || response.statusText));
  if (json === undefined) throw new ApiError(what, response.status, null, "the answer is not JSON");
  return json;
}

// ---------------------------------------------------------------- sortable tables

/** Per table: the column sorted by and its direction, kept across refreshes. */
const sortStates = new Map();

function compareValues(a, b) {
  const aMissing = a === null || a === undefined || a === "";
  const bMissing = b === null || b === undefined || b === "";
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/**
 * Renders `rows` into `container` as a table whose headers sort it.
 * A column: { key, label, value(row) for sorting and plain display,
 * render(row) → text or Node (optional), numeric, title(row) (optional) }.
 */
function renderTable(container, options) {
  const { id, columns, rows, empty = "Nothing yet.", defaultSort, rowClass } = options;
  const state = sortStates.get(id) ?? defaultSort ?? null;
  let sorted = rows;
  const sortColumn = state && columns.find((column) => column.key === state.key);
  if (sortColumn) {
    const direction = state.descending ? -1 : 1;
    sorted = [...rows].sort((a, b) => {
      const order = compareValues(sortColumn.value(a), sortColumn.value(b));
      // Missing values stay last whichever the direction.
      const missing = sortColumn.value(a) == null || sortColumn.value(b) == null;
      return missing ? order : order * direction;
    });
  }
  if (rows.length === 0) {
    container.replaceChildren(el("p", { className: "muted empty", text: empty }));
    return;
  }
  const header = el("tr", {}, columns.map((column) => {
    if (column.sortable === false) return el("th", { scope: "col" }, column.label);
    const active = sortColumn === column;
    const button = el("button", {
      type: "button",
      className: "sort",
      text: column.label + (active ? (state.descending ? " ▼" : " ▲") : ""),
      onClick: () => {
        const descending = active ? !state.descending : Boolean(column.numeric);
        sortStates.set(id, { key: column.key, descending });
        renderTable(container, options);
      },
    });
    return el("th", { scope: "col", className: column.numeric ? "num" : undefined, "aria-sort": active ? (state.descending ? "descending" : "ascending") : undefined }, button);
  }));
  const body = el("tbody", {}, sorted.map((row) => el("tr", { className: rowClass?.(row) }, columns.map((column) => {
    const shown = column.render ? column.render(row) : column.value(row);
    return el("td", { className: column.numeric ? "num" : column.className, title: column.title?.(row) }, shown === null || shown === undefined ? "—" : shown);
  }))));
  container.replaceChildren(el("div", { className: "table-wrap" }, el("table", { className: "data" }, el("thead", {}, header), body)));
}

// ---------------------------------------------------------------- sign-in, errors, status

function showSignIn(reason) {
  $("sign-in-reason").textContent = reason;
  $("sign-in").hidden = false;
  $("content").hidden = true;
  $("sign-out").hidden = true;
  $("master-key").focus();
}

function signIn(event) {
  event.preventDefault();
  const value = $("master-key").value.trim();
  if (!value) return;
  storeKey(value);
  $("master-key").value = "";
  $("sign-in").hidden = true;
  $("content").hidden = false;
  refresh();
}

/** Forgets the key and everything shown with it. */
function signOut() {
  storeKey(null);
  for (const id of ["totals", "spend-chart", "spend-day", "spend-model", "spend-provider", "spend-key", "savings", "requests-table", "providers-table", "deployments-table", "keys-table", "audit-table"]) $(id).replaceChildren();
  hideNewKey();
  hideError();
  showSignIn("Signed out.");
}

function showError(error) {
  const banner = $("error");
  banner.replaceChildren(el("span", { text: error instanceof Error ? error.message : String(error) }), el("button", { type: "button", className: "link", text: "dismiss", onClick: hideError }));
  banner.hidden = false;
}

function hideError() {
  $("error").hidden = true;
}

async function refreshHealth() {
  const node = $("health");
  try {
    const health = await api(API.health);
    node.textContent = (health.status === "ok" ? "● healthy" : "● " + health.status) + " · " + health.providers + " provider" + (health.providers === 1 ? "" : "s");
    node.className = "health " + (health.status === "ok" ? "ok" : "warn");
  } catch (error) {
    node.textContent = "● unreachable";
    node.className = "health fail";
    node.title = error.message;
  }
}

// ---------------------------------------------------------------- overview

/** The UTC date a period starts on (`today` is since UTC midnight, like the by-day groups). */
function periodStart(period) {
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const back = { today: 0, "7d": 6, "30d": 29 }[period] ?? 6;
  return new Date(today - back * DAY_MS).toISOString().slice(0, 10);
}

function spendColumns(label, groupLabel, total) {
  return [
    { key: "group", label, value: groupLabel },
    { key: "requests", label: "Requests", value: (row) => row.requests, render: (row) => formatInt(row.requests), numeric: true },
    { key: "input", label: "Input tok", value: (row) => row.input_tokens, render: (row) => formatInt(row.input_tokens), numeric: true, title: (row) => formatInt(row.cached_tokens) + " cached" },
    { key: "output", label: "Output tok", value: (row) => row.output_tokens, render: (row) => formatInt(row.output_tokens), numeric: true },
    { key: "cost", label: "Cost", value: (row) => row.cost_usd, render: (row) => formatUsd(row.cost_usd), numeric: true, title: (row) => (row.unpriced_requests ? row.unpriced_requests + " unpriced request(s) not counted" : undefined) },
    { key: "share", label: "Share", value: (row) => (total > 0 ? row.cost_usd / total : 0), render: (row) => (total > 0 ? ((100 * row.cost_usd) / total).toFixed(1) + " %" : "—"), numeric: true },
  ];
}

function totalsOf(rows) {
  const sum = { requests: 0, input_tokens: 0, cached_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unpriced_requests: 0 };
  for (const row of rows) for (const name of Object.keys(sum)) sum[name] += row[name] ?? 0;
  return sum;
}

function card(label, value, note) {
  return el("div", { className: "card" }, el("div", { className: "card-label", text: label }), el("div", { className: "card-value", text: value }), note ? el("div", { className: "card-note muted", text: note }) : null);
}

function keyLabel(keysById, id) {
  if (id === null || id === undefined || id === "") return "master / no key";
  const key = keysById.get(id);
  return key ? key.name + " (" + id + ")" : id;
}

/** Spend by day as bars, one per UTC day of the period (days without traffic at zero). */
function spendChart(rows, from) {
  const byDay = new Map(rows.map((row) => [row.group, row.cost_usd]));
  const days = [];
  for (let t = Date.parse(from); t <= Date.now(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  const width = 720, height = 160, top = 16, bottom = 22, left = 4;
  const max = Math.max(0, ...days.map((day) => byDay.get(day) ?? 0));
  const slot = (width - left) / Math.max(days.length, 1);
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Spend by day");
  const make = (tag, attributes, text) => {
    const node = document.createElementNS(svgNs, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  make("line", { x1: left, x2: width, y1: height - bottom, y2: height - bottom, class: "axis" });
  days.forEach((day, index) => {
    const cost = byDay.get(day) ?? 0;
    const barHeight = max > 0 ? ((height - top - bottom) * cost) / max : 0;
    const x = left + index * slot + slot * 0.15;
    const bar = make("rect", { x, y: height - bottom - barHeight, width: Math.max(slot * 0.7, 1), height: Math.max(barHeight, cost > 0 ? 1 : 0), class: "bar" });
    const tip = document.createElementNS(svgNs, "title");
    tip.textContent = day + ": " + formatUsd(cost);
    bar.append(tip);
    const every = Math.ceil(days.length / 10);
    if (index % every === 0 || index === days.length - 1) make("text", { x: x + slot * 0.35, y: height - 6, class: "tick", "text-anchor": "middle" }, day.slice(5));
  });
  make("text", { x: left + 2, y: 11, class: "tick" }, "max " + formatUsd(max));
  return svg;
}

function savingsView(report) {
  const list = el("dl", { className: "facts" });
  const add = (term, value) => list.append(el("dt", { text: term }), el("dd", { text: value }));
  add("Paid at wholesale", formatUsd(report.wholesaleUsd));
  for (const markup of report.markup ?? []) add("At a " + markup.percent + " % markup", formatUsd(markup.costUsd) + " (saved " + formatUsd(markup.savedUsd) + ")");
  const tiered = report.tieredRouting;
  if (tiered) add("All on " + tiered.referenceModel, formatUsd(tiered.allOnReferenceUsd) + " (routing saved " + formatUsd(tiered.savedUsd) + ")");
  if (report.unpricedRequests) add("Unpriced requests", formatInt(report.unpricedRequests));
  return list;
}

async function loadOverview() {
  const from = periodStart($("period").value);
  const spend = (group_by) => api(API.spend, { query: { group_by, from } });
  // One call first: without the master key it alone is refused (one audit event, not six).
  const keys = await api(API.keys);
  const [byModel, byProvider, byKey, byDay, savings] = await Promise.all([
    spend("model"), spend("provider"), spend("key"), spend("day"),
    api(API.savings, { query: { from } }),
  ]);
  const keysById = new Map(keys.data.map((key) => [key.id, key]));
  const totals = totalsOf(byModel.data);
  $("totals").replaceChildren(
    card("Spend", formatUsd(totals.cost_usd), "since " + from + " UTC"),
    card("Requests", formatInt(totals.requests), totals.requests ? formatUsd(totals.cost_usd / totals.requests) + " per request" : undefined),
    card("Input tokens", formatInt(totals.input_tokens), formatInt(totals.cached_tokens) + " cached"),
    card("Output tokens", formatInt(totals.output_tokens), formatInt(totals.reasoning_tokens) + " reasoning"),
    card("Unpriced requests", formatInt(totals.unpriced_requests), totals.unpriced_requests ? "not in the spend" : "none"),
  );
  $("spend-chart").replaceChildren(spendChart(byDay.data, from));
  const total = totals.cost_usd;
  renderTable($("spend-day"), { id: "spend-day", rows: byDay.data, columns: spendColumns("Day", (row) => row.group, total), defaultSort: { key: "group", descending: true }, empty: "No requests in this period." });
  renderTable($("spend-model"), { id: "spend-model", rows: byModel.data, columns: spendColumns("Model", (row) => row.group ?? "—", total), defaultSort: { key: "cost", descending: true }, empty: "No requests in this period." });
  renderTable($("spend-provider"), { id: "spend-provider", rows: byProvider.data, columns: spendColumns("Provider", (row) => row.group || "(none reached)", total), defaultSort: { key: "cost", descending: true }, empty: "No requests in this period." });
  renderTable($("spend-key"), { id: "spend-key", rows: byKey.data, columns: spendColumns("Key", (row) => keyLabel(keysById, row.group), total), defaultSort: { key: "cost", descending: true }, empty: "No requests in this period." });
  $("savings").replaceChildren(savingsView(savings));
}

// ---------------------------------------------------------------- recent requests

let lastRequests = { rows: [], keysById: new Map() };

function requestText(row, keysById) {
  return [row.request_id, keyLabel(keysById, row.key_id), row.requested_model, row.provider + "/" + row.model, row.status, row.error_kind, row.route, row.stream ? "stream" : ""].join(" ").toLowerCase();
}

function requestColumns(keysById) {
  return [
    { key: "ts", label: "Time", value: (row) => row.ts, render: (row) => timeCell(row.ts), title: (row) => "request " + row.request_id },
    { key: "key", label: "Key", value: (row) => keyLabel(keysById, row.key_id) },
    { key: "requested", label: "Requested", value: (row) => row.requested_model, className: "mono" },
    { key: "served", label: "Provider / model", value: (row) => (row.provider ? row.provider + "/" + row.model : ""), className: "mono" },
    {
      key: "status", label: "Status", value: (row) => row.status, numeric: true,
      render: (row) => el("span", {}, badge(String(row.status), row.status >= 400 ? "fail" : "ok"), row.error_kind ? " " + row.error_kind : null, row.stream ? muted(" stream") : null),
    },
    { key: "attempts", label: "Attempts", value: (row) => row.attempts, numeric: true, render: (row) => (row.attempts > 1 ? el("strong", { text: String(row.attempts) }) : String(row.attempts)) },
    { key: "route", label: "Route", value: (row) => row.route, className: "mono small" },
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

function renderRequests() {
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
    empty: rows.length === 0 ? "No requests recorded yet." : "No request matches the filter.",
  });
}

async function loadRequests() {
  const keys = await api(API.keys);
  const requests = await api(API.requests, { query: { limit: $("requests-limit").value } });
  lastRequests = { rows: requests.data, keysById: new Map(keys.data.map((key) => [key.id, key])) };
  renderRequests();
}

// ---------------------------------------------------------------- providers

function keyStates(keys) {
  if (!keys || keys.length === 0) return muted("no key");
  return el("ul", { className: "chips" }, keys.map((key) => el("li", { title: key.reason ?? undefined },
    badge(key.state, key.state === "active" ? "ok" : key.state === "resting" ? "warn" : "fail"), " " + key.key,
    key.until ? muted(" until " + formatTime(key.until) + " (" + relativeTime(key.until) + ")") : null)));
}

function rateLimitView(limit) {
  if (!limit) return muted("—");
  const part = (label, remaining, resetAt) => (remaining === null ? null : label + " " + formatInt(remaining) + " left" + (resetAt ? ", resets " + relativeTime(resetAt) : ""));
  const parts = [part("requests", limit.requests_remaining, limit.requests_reset_at), part("tokens", limit.tokens_remaining, limit.tokens_reset_at)].filter(Boolean);
  return el("span", { title: "observed " + formatTime(limit.observed_at) }, parts.join("; ") || "seen", muted(" (" + relativeTime(limit.observed_at) + ")"));
}

function cooldownView(row) {
  const until = [row.cooldown_until, row.skip_until].filter(Boolean).sort().pop();
  return until ? el("span", { title: formatTime(until) }, badge("cooling down", "warn"), " " + relativeTime(until)) : muted("—");
}

async function loadProviders() {
  const report = await api(API.providers);
  renderTable($("providers-table"), {
    id: "providers", rows: report.providers, defaultSort: { key: "name", descending: false }, empty: "No provider configured.",
    columns: [
      { key: "name", label: "Provider", value: (row) => row.name },
      { key: "type", label: "Type", value: (row) => row.type ?? "" },
      { key: "status", label: "Status", value: (row) => row.status, render: (row) => el("span", {}, badge(row.status, row.status === "enabled" ? "ok" : "fail"), row.reason ? " " + row.reason : null) },
      { key: "base_url", label: "Base URL", value: (row) => row.base_url ?? "", className: "mono small" },
      { key: "keys", label: "API keys", value: (row) => (row.keys ?? []).filter((key) => key.state === "active").length, render: (row) => keyStates(row.keys) },
    ],
  });
  renderTable($("deployments-table"), {
    id: "deployments", rows: report.deployments, defaultSort: { key: "id", descending: false }, empty: "No deployment has been used yet.",
    rowClass: (row) => (row.healthy ? undefined : "failed"),
    columns: [
      { key: "id", label: "Deployment", value: (row) => row.id, className: "mono" },
      { key: "healthy", label: "Health", value: (row) => (row.healthy ? 1 : 0), render: (row) => badge(row.healthy ? "healthy" : "unavailable", row.healthy ? "ok" : "fail") },
      { key: "cooldown", label: "Cooldown", value: (row) => row.cooldown_until ?? row.skip_until ?? "", render: cooldownView },
      { key: "in_flight", label: "In flight", value: (row) => row.in_flight, numeric: true },
      { key: "successes", label: "OK", value: (row) => row.successes, numeric: true, render: (row) => formatInt(row.successes) },
      { key: "failures", label: "Failed", value: (row) => row.failures, numeric: true, render: (row) => formatInt(row.failures) + (row.consecutive_failures ? " (" + row.consecutive_failures + " in a row)" : "") },
      { key: "latency", label: "Latency", value: (row) => row.latency_ms, numeric: true, render: (row) => formatMs(row.latency_ms) },
      { key: "ttft", label: "First token", value: (row) => row.first_token_ms, numeric: true, render: (row) => formatMs(row.first_token_ms) },
      { key: "rate_limit", label: "Last rate-limit state", value: (row) => row.rate_limit?.observed_at ?? "", render: (row) => rateLimitView(row.rate_limit) },
      { key: "last_error", label: "Last error", value: (row) => row.last_error ?? "", className: "small" },
    ],
  });
}

// ---------------------------------------------------------------- keys

/** The key being edited, or null when the form creates a key. */
let editing = null;

function keyStatus(key) {
  if (key.revoked_at) return ["revoked", "fail"];
  if (key.expires_at && key.expires_at <= Date.now()) return ["expired", "warn"];
  return ["active", "ok"];
}

async function loadKeys() {
  const keys = await api(API.keys);
  const showRevoked = $("keys-show-revoked").checked;
  const rows = keys.data.filter((key) => showRevoked || !key.revoked_at);
  renderTable($("keys-table"), {
    id: "keys", rows, defaultSort: { key: "created", descending: true }, empty: keys.data.length ? "Every key is revoked." : "No virtual key yet.",
    rowClass: (key) => (key.revoked_at ? "revoked" : undefined),
    columns: [
      { key: "name", label: "Name", value: (key) => key.name },
      { key: "id", label: "Id", value: (key) => key.id, className: "mono small" },
      { key: "prefix", label: "Prefix", value: (key) => key.prefix, render: (key) => key.prefix + "…", className: "mono" },
      { key: "models", label: "Models", value: (key) => key.models.join(", "), render: (key) => (key.models.length ? key.models.join(", ") : muted("all")) },
      { key: "rpm", label: "RPM", value: (key) => key.rpm, numeric: true, render: (key) => (key.rpm === null ? "—" : formatInt(key.rpm)) },
      { key: "tpm", label: "TPM", value: (key) => key.tpm, numeric: true, render: (key) => (key.tpm === null ? "—" : formatInt(key.tpm)) },
      { key: "budget", label: "Budget", value: (key) => key.budget_usd, numeric: true, render: (key) => (key.budget_usd === null ? "—" : formatUsd(key.budget_usd) + " / " + key.budget_period) },
      { key: "expires", label: "Expires", value: (key) => key.expires_at, render: (key) => timeCell(key.expires_at) },
      { key: "created", label: "Created", value: (key) => key.created_at, render: (key) => timeCell(key.created_at) },
      { key: "status", label: "Status", value: (key) => keyStatus(key)[0], render: (key) => badge(...keyStatus(key)) },
      {
        key: "actions", label: "", value: () => "", sortable: false,
        render: (key) => (key.revoked_at ? null : el("span", { className: "row-actions" },
          el("button", { type: "button", text: "Edit", onClick: () => editKey(key) }),
          el("button", { type: "button", className: "danger", text: "Revoke", onClick: () => revokeKey(key) }))),
      },
    ],
  });
}

function numberField(form, name) {
  const raw = form.elements[name].value.trim();
  if (raw === "") return null;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(name + ": expected a number");
  return value;
}

/** `datetime-local` is local time; the API wants a zone, so it gets UTC. */
const toDateTimeLocal = (ms) => {
  const date = new Date(ms);
  return new Date(ms - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** The form as an API body: every field, empty ones as null. */
function readKeyForm(form) {
  const budget = numberField(form, "budget_usd");
  const expires = form.elements.expires_at.value;
  return {
    name: form.elements.name.value.trim(),
    models: form.elements.models.value.split(/[\s,]+/).filter(Boolean),
    rpm: numberField(form, "rpm"),
    tpm: numberField(form, "tpm"),
    budget_usd: budget,
    budget_period: budget === null ? null : form.elements.budget_period.value,
    expires_at: expires ? new Date(expires).toISOString() : null,
    log_prompts: form.elements.log_prompts.checked,
  };
}

function formMessage(text, kind) {
  const node = $("key-form-message");
  node.textContent = text;
  node.className = "form-message " + (kind ?? "");
}

function resetKeyForm() {
  editing = null;
  $("key-form").reset();
  $("key-form-title").textContent = "Create a key";
  $("key-submit").textContent = "Create key";
  $("key-cancel").hidden = true;
}

function editKey(key) {
  hideNewKey();
  editing = key;
  const form = $("key-form");
  form.elements.name.value = key.name;
  form.elements.models.value = key.models.join(", ");
  form.elements.rpm.value = key.rpm ?? "";
  form.elements.tpm.value = key.tpm ?? "";
  form.elements.budget_usd.value = key.budget_usd ?? "";
  form.elements.budget_period.value = key.budget_period ?? "monthly";
  form.elements.expires_at.value = key.expires_at ? toDateTimeLocal(key.expires_at) : "";
  form.elements.log_prompts.checked = Boolean(key.log_prompts);
  $("key-form-title").textContent = "Edit " + key.name;
  $("key-submit").textContent = "Save changes";
  $("key-cancel").hidden = false;
  formMessage("", "");
  form.elements.name.focus();
}

/** Only the fields that differ from the key being edited. */
function changedFields(key, body) {
  const current = { ...key, expires_at: key.expires_at ? toDateTimeLocal(key.expires_at) : null };
  const wanted = { ...body, expires_at: body.expires_at ? toDateTimeLocal(Date.parse(body.expires_at)) : null };
  const patch = {};
  for (const name of Object.keys(body)) if (JSON.stringify(current[name] ?? null) !== JSON.stringify(wanted[name] ?? null)) patch[name] = body[name];
  return patch;
}

async function submitKeyForm(event) {
  event.preventDefault();
  formMessage("", "");
  try {
    const body = readKeyForm(event.target);
    if (editing) {
      const patch = changedFields(editing, body);
      if (Object.keys(patch).length === 0) return formMessage("Nothing changed.", "");
      const updated = await api(keyPath(editing.id), { method: "PATCH", body: patch });
      resetKeyForm();
      formMessage("Saved " + updated.name + " (" + Object.keys(patch).join(", ") + ").", "ok");
    } else {
      const created = await api(API.keys, { method: "POST", body });
      resetKeyForm();
      showNewKey(created);
    }
    await loadKeys();
  } catch (error) {
    if (!(error instanceof SignInRequired)) formMessage(error.message, "error");
  }
}

function showNewKey(created) {
  $("new-key-name").textContent = created.name + " (" + created.id + ")";
  $("new-key-secret").value = created.key;
  $("new-key-copied").textContent = "";
  $("new-key").hidden = false;
  $("new-key-secret").select();
}

function hideNewKey() {
  $("new-key-secret").value = "";
  $("new-key").hidden = true;
}

async function copyNewKey() {
  const input = $("new-key-secret");
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // The Clipboard API needs a secure context (HTTPS or localhost); the old way works elsewhere.
    input.select();
    if (!document.execCommand("copy")) {
      $("new-key-copied").textContent = "Copying was refused: select the key and copy it by hand.";
      return;
    }
  }
  $("new-key-copied").textContent = "Copied.";
}

/** A modal yes/no; resolves true on confirmation. */
function confirmAction(text, confirmLabel) {
  const dialog = $("confirm");
  if (typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(text));
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = confirmLabel;
  return new Promise((resolve) => {
    const finish = (answer) => {
      $("confirm-ok").removeEventListener("click", yes);
      $("confirm-cancel").removeEventListener("click", no);
      dialog.removeEventListener("cancel", no);
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    const yes = () => finish(true);
    const no = () => finish(false);
    $("confirm-ok").addEventListener("click", yes);
    $("confirm-cancel").addEventListener("click", no);
    dialog.addEventListener("cancel", no);
    dialog.showModal();
    $("confirm-cancel").focus();
  });
}

async function revokeKey(key) {
  const sure = await confirmAction("Revoke “" + key.name + "” (" + key.id + ", " + key.prefix + "…)? Requests with it are refused from the next one on. This cannot be undone.", "Revoke");
  if (!sure) return;
  try {
    await api(keyPath(key.id), { method: "DELETE" });
    if (editing?.id === key.id) resetKeyForm();
    formMessage("Revoked " + key.name + ".", "ok");
    await loadKeys();
  } catch (error) {
    if (!(error instanceof SignInRequired)) formMessage(error.message, "error");
  }
}

// ---------------------------------------------------------------- audit log

async function loadAudit() {
  const audit = await api(API.audit, { query: { limit: $("audit-limit").value, action: $("audit-action").value } });
  renderTable($("audit-table"), {
    id: "audit", rows: audit.data, defaultSort: { key: "ts", descending: true }, empty: "No audit event.",
    rowClass: (event) => (event.action === "request.denied" || event.action === "config.rejected" ? "failed" : undefined),
    columns: [
      { key: "ts", label: "Time", value: (event) => event.ts, render: (event) => timeCell(event.ts) },
      { key: "action", label: "Action", value: (event) => event.action, className: "mono" },
      { key: "actor", label: "Actor", value: (event) => event.actor },
      { key: "key_prefix", label: "Key", value: (event) => event.key_prefix ?? "", render: (event) => (event.key_prefix ? event.key_prefix + "…" : "—"), className: "mono" },
      { key: "target", label: "Target", value: (event) => event.target ?? "" },
      { key: "reason", label: "Reason", value: (event) => event.reason ?? "", className: "small" },
      { key: "status", label: "Status", value: (event) => event.status, numeric: true },
      { key: "request_id", label: "Request id", value: (event) => event.request_id ?? "", className: "mono small" },
    ],
  });
}

// ---------------------------------------------------------------- tabs and refresh

const TABS = { overview: loadOverview, requests: loadRequests, providers: loadProviders, keys: loadKeys, audit: loadAudit };
let currentTab = "overview";
let refreshing = false;

function selectTab(name) {
  currentTab = Object.hasOwn(TABS, name) ? name : "overview";
  for (const tab of Object.keys(TABS)) $("tab-" + tab).hidden = tab !== currentTab;
  for (const button of document.querySelectorAll("[data-tab]")) button.setAttribute("aria-current", button.dataset.tab === currentTab ? "page" : "false");
}

/** Reloads the health badge and the visible tab; errors are shown, not swallowed. */
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    await Promise.all([refreshHealth(), TABS[currentTab]()]);
    hideError();
    $("content").hidden = false;
    $("sign-in").hidden = true;
    $("sign-out").hidden = masterKey() === null;
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (error) {
    if (!(error instanceof SignInRequired)) showError(error);
  } finally {
    refreshing = false;
  }
}

function autoRefresh() {
  const waiting = !$("sign-in").hidden || document.visibilityState !== "visible" || $("confirm").open;
  if ($("auto-refresh").checked && !waiting) refresh();
}

function start() {
  for (const action of AUDIT_ACTIONS) $("audit-action").append(el("option", { value: action, text: action }));
  for (const button of document.querySelectorAll("[data-tab]")) button.addEventListener("click", () => { location.hash = button.dataset.tab; });
  window.addEventListener("hashchange", () => {
    selectTab(location.hash.slice(1));
    refresh();
  });
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("refresh-now").addEventListener("click", refresh);
  $("period").addEventListener("change", refresh);
  $("requests-limit").addEventListener("change", refresh);
  $("requests-filter").addEventListener("input", renderRequests);
  $("requests-failures").addEventListener("change", renderRequests);
  $("keys-show-revoked").addEventListener("change", refresh);
  $("audit-action").addEventListener("change", refresh);
  $("audit-limit").addEventListener("change", refresh);
  $("key-form").addEventListener("submit", submitKeyForm);
  $("key-cancel").addEventListener("click", () => { resetKeyForm(); formMessage("", ""); });
  $("new-key-copy").addEventListener("click", copyNewKey);
  $("new-key-done").addEventListener("click", hideNewKey);
  document.addEventListener("visibilitychange", autoRefresh);
  setInterval(autoRefresh, REFRESH_MS);
  selectTab(location.hash.slice(1));
  refresh();
}

start();
