/** The overview tab: totals, spend by day as a chart and a table, spend by model, provider and key, and savings. */
import { api, API } from "./api.js";
import { $, badge, el, formatInt, formatShare, formatUsd, keyLabel } from "./dom.js";
import { renderTable } from "./table.js";

const DAY_MS = 86_400_000;

/** The UTC date a period starts on (`today` is since UTC midnight, like the by-day groups). */
function periodStart(period) {
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const back = { today: 0, "7d": 6, "30d": 29 }[period] ?? 6;
  return new Date(today - back * DAY_MS).toISOString().slice(0, 10);
}

/**
 * A group's cost; unpriced requests are not in it, so a group of nothing but
 * unpriced requests says "unpriced" rather than a silent $0, and one with some
 * says how many are left out.
 */
function costView(row) {
  const unpriced = row.unpriced_requests ?? 0;
  if (unpriced === 0) return formatUsd(row.cost_usd);
  if (unpriced >= row.requests && !row.cost_usd) return badge("unpriced", "warn");
  return el("span", {}, formatUsd(row.cost_usd), el("br"), badge("+" + formatInt(unpriced) + " unpriced", "warn"));
}

function spendColumns(label, groupLabel, total) {
  return [
    { key: "group", label, value: groupLabel, className: "wrap" },
    { key: "requests", label: "Requests", value: (row) => row.requests, render: (row) => formatInt(row.requests), numeric: true },
    { key: "input", label: "Input tok", value: (row) => row.input_tokens, render: (row) => formatInt(row.input_tokens), numeric: true, title: (row) => formatInt(row.cached_tokens) + " cached" },
    { key: "output", label: "Output tok", value: (row) => row.output_tokens, render: (row) => formatInt(row.output_tokens), numeric: true },
    { key: "cost", label: "Cost", value: (row) => row.cost_usd, render: costView, numeric: true, title: (row) => (row.unpriced_requests ? row.unpriced_requests + " unpriced request(s) not counted" : undefined) },
    { key: "share", label: "Share", value: (row) => (total > 0 ? row.cost_usd / total : 0), render: (row) => formatShare(row.cost_usd, total), numeric: true },
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

export async function loadOverview() {
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
