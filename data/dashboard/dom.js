/**
 * DOM helpers and formatting for the dashboard. API data is written with
 * textContent and DOM calls only, never as HTML: model and key names are user
 * input.
 */

export const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- DOM helpers

/**
 * An element with properties and children. Children are nodes or text (made
 * into text nodes); null and undefined are skipped.
 */
export function el(tag, props = {}, ...children) {
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

export const badge = (text, kind) => el("span", { className: "badge " + kind, text });
export const muted = (text) => el("span", { className: "muted", text });

// ---------------------------------------------------------------- formatting

/**
 * USD with as many decimals as the amount needs: cents from $1, four decimals
 * below, six (millionths) below a cent, and below a millionth two significant
 * digits ($0.00000012), so a real cost never reads as $0.000000.
 */
export function formatUsd(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const size = Math.abs(value);
  if (size > 0 && size < 0.000001) return (value < 0 ? "-$" : "$") + size.toLocaleString(undefined, { maximumSignificantDigits: 2 });
  const digits = size === 0 ? 2 : size < 0.01 ? 6 : size < 1 ? 4 : 2;
  return (value < 0 ? "-$" : "$") + size.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A part of a whole as a percentage; a share too small to show as 0.1 % is "< 0.1 %", not "0.0 %". */
export function formatShare(part, whole) {
  if (!(whole > 0) || part === null || part === undefined) return "—";
  const percent = (100 * part) / whole;
  return percent > 0 && percent < 0.05 ? "< 0.1 %" : percent.toFixed(1) + " %";
}

export const formatInt = (value) => (value === null || value === undefined ? "—" : Number(value).toLocaleString());

/** A local date-time for epoch ms or an ISO string; "—" for none. */
export function formatTime(value) {
  if (value === null || value === undefined || value === "") return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** A time with its ISO form as a tooltip. */
export function timeCell(value) {
  if (value === null || value === undefined) return muted("—");
  return el("time", { datetime: new Date(value).toISOString(), title: new Date(value).toISOString(), text: formatTime(value) });
}

/** "in 42 s", "in 3 min", "5 min ago" for a future or past time. */
export function relativeTime(value) {
  const ms = new Date(value).getTime() - Date.now();
  const size = Math.abs(ms);
  const text = size < 60_000 ? Math.round(size / 1000) + " s" : size < 3_600_000 ? Math.round(size / 60_000) + " min" : Math.round(size / 3_600_000) + " h";
  return ms >= 0 ? "in " + text : text + " ago";
}

export function formatMs(value) {
  return value === null || value === undefined ? "—" : Math.round(value).toLocaleString() + " ms";
}

/** A key id as "name (id)" when the key is known, "master / no key" for none. */
export function keyLabel(keysById, id) {
  if (id === null || id === undefined || id === "") return "master / no key";
  const key = keysById.get(id);
  return key ? key.name + " (" + id + ")" : id;
}
