/**
 * Paging back through a newest-first list (the ledger's requests, the audit log).
 * Older pages are read from a cursor, the previous page's last entry: `before`
 * its ts, `before_id` its id, so entries sharing a millisecond are neither skipped
 * nor repeated. The cursors of the pages passed are kept to go back; a refresh
 * reloads the page shown. `prefix` names the tab's controls (`<prefix>-older`, …).
 */
import { $ } from "./dom.js";

export function createPager(prefix) {
  let cursor = null;
  const passed = [];
  let last;
  let hasOlder = false;
  return {
    /** The query fields of the page to load. */
    query: () => ({ before: cursor?.before, before_id: cursor?.before_id }),
    atNewest: () => cursor === null,
    /** After a load: a full page may have older entries behind it. */
    loaded(entries, limit) {
      last = entries.at(-1);
      hasOlder = entries.length >= limit;
      $(prefix + "-newer").disabled = passed.length === 0;
      $(prefix + "-older").disabled = !hasOlder;
      $(prefix + "-page").textContent = cursor ? "page " + (passed.length + 1) + " · before " + new Date(cursor.before).toLocaleString() : "newest";
    },
    older() {
      if (!hasOlder || !last) return false;
      passed.push(cursor);
      cursor = { before: last.ts, before_id: last.id };
      return true;
    },
    newer() {
      if (passed.length === 0) return false;
      cursor = passed.pop();
      return true;
    },
    /** Back to the newest entries (a filter or the page size changed). */
    newest() {
      cursor = null;
      passed.length = 0;
    },
  };
}
