/** The providers tab: each provider's API keys, and each deployment's health, cooldown and rate-limit state. */
import { api, API } from "./api.js";
import { $, badge, el, formatInt, formatMs, formatTime, muted, relativeTime } from "./dom.js";
import { renderTable } from "./table.js";

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

export async function loadProviders() {
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
      { key: "id", label: "Deployment", value: (row) => row.id, className: "mono wrap" },
      { key: "healthy", label: "Health", value: (row) => (row.healthy ? 1 : 0), render: (row) => badge(row.healthy ? "healthy" : "unavailable", row.healthy ? "ok" : "fail") },
      { key: "cooldown", label: "Cooldown", value: (row) => row.cooldown_until ?? row.skip_until ?? "", render: cooldownView },
      { key: "in_flight", label: "In flight", value: (row) => row.in_flight, numeric: true },
      { key: "successes", label: "OK", value: (row) => row.successes, numeric: true, render: (row) => formatInt(row.successes) },
      { key: "failures", label: "Failed", value: (row) => row.failures, numeric: true, render: (row) => formatInt(row.failures) + (row.consecutive_failures ? " (" + row.consecutive_failures + " in a row)" : "") },
      { key: "latency", label: "Latency", value: (row) => row.latency_ms, numeric: true, render: (row) => formatMs(row.latency_ms) },
      { key: "ttft", label: "First token", value: (row) => row.first_token_ms, numeric: true, render: (row) => formatMs(row.first_token_ms) },
      { key: "rate_limit", label: "Last rate-limit state", value: (row) => row.rate_limit?.observed_at ?? "", render: (row) => rateLimitView(row.rate_limit) },
      { key: "last_error", label: "Last error", value: (row) => row.last_error ?? "", className: "small wrap" },
    ],
  });
}
