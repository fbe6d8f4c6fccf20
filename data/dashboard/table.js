/** Sortable tables: headers sort the rows, and each table keeps its order across refreshes. */
import { el } from "./dom.js";

/** Per table: the column sorted by and its direction, kept across refreshes. */
const sortStates = new Map();

const isMissing = (value) => value === null || value === undefined || value === "";

function compareValues(a, b) {
  const aMissing = isMissing(a);
  const bMissing = isMissing(b);
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/**
 * Renders `rows` into `container` as a table whose headers sort it.
 * A column: { key, label, value(row) for sorting and plain display,
 * render(row) → text or Node (optional), numeric, title(row) (optional) }.
 */
export function renderTable(container, options) {
  const { id, columns, rows, empty = "Nothing yet.", defaultSort, rowClass } = options;
  const state = sortStates.get(id) ?? defaultSort ?? null;
  let sorted = rows;
  const sortColumn = state && columns.find((column) => column.key === state.key);
  if (sortColumn) {
    const direction = state.descending ? -1 : 1;
    sorted = [...rows].sort((a, b) => {
      const order = compareValues(sortColumn.value(a), sortColumn.value(b));
      // Missing values stay last whichever the direction.
      const missing = isMissing(sortColumn.value(a)) || isMissing(sortColumn.value(b));
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
