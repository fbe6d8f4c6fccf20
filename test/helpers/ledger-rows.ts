/**
 * Every row a gateway's ledger still holds, by request id: its recent-requests
 * report read newest first, a page of at most 1,000 rows at a time (pages
 * overlap by a millisecond, so no row between them is missed).
 */
import type { LedgerRow } from "../../src/accounting/ledger-row.js";
import type { Gateway } from "../../src/gateway/gateway.js";

export async function ledgerRows(gateway: Gateway): Promise<Map<string, LedgerRow>> {
  const rows = new Map<string, LedgerRow>();
  for (let before: number | undefined; ; ) {
    const page = await gateway.reports.requests(1_000, before);
    const known = rows.size;
    for (const row of page) rows.set(row.request_id, row);
    if (page.length < 1_000 || rows.size === known) return rows;
    before = page[page.length - 1]!.ts + 1;
  }
}
