/**
 * Spend, recent requests and savings: shared by the admin API and the CLI.
 */
import { computeSavings, type SavingsReport } from "../accounting/savings.js";
import type { SpendGroupBy, SpendRow } from "../accounting/ledger-store.js";
import type { LedgerRow } from "../accounting/ledger-row.js";
import { GatewayError } from "../core/errors.js";
import type { Runtime } from "./runtime.js";

const GROUPS: readonly SpendGroupBy[] = ["key", "model", "provider", "day"];

/** An ISO 8601 date or date-time (`T` or a space between them), with or without a UTC offset. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `2026-11-01` or `2026-11-01T12:00:00Z` (no offset: UTC, like a bare date), an epoch in ms, or a
 * relative `7d` / `12h`. Anything else is a 400: Date.parse alone would take `-5` or `x 2020` as dates.
 */
export function parseTime(value: string | null | undefined, param: string, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const relative = /^(\d+)([dhm])$/.exec(value);
  if (relative) return now - Number(relative[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as "d" | "h" | "m"];
  if (/^\d+$/.test(value)) return Number(value);
  const iso = ISO_TIME.exec(value);
  const parsed = !iso ? NaN : Date.parse(value.includes(":") && iso[1] === undefined ? `${value.replace(" ", "T")}Z` : value.replace(" ", "T"));
  if (Number.isNaN(parsed)) throw new GatewayError("bad_request", `Invalid '${param}': expected an ISO date, epoch milliseconds or a span like 7d`, { param });
  return parsed;
}

/** A range's end (exclusive): a bare date `2026-11-01` means through that whole day. */
export function parseEnd(value: string | null | undefined, param: string, now = Date.now()): number | undefined {
  const end = parseTime(value, param, now);
  return end !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value!) ? end + 86_400_000 : end;
}

/** A database that could not be read or written: a 503 the client may retry, its cause kept for the log. */
export function storageUnavailable(message: string, cause: unknown): GatewayError {
  return new GatewayError("internal", message, { status: 503, code: "storage_unavailable", cause });
}

/**
 * A read of the ledger or the audit log: a database that cannot answer (down, unreachable,
 * locked) is a 503 the client may retry, as for a key change, not an internal error.
 */
export async function readStorage<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw storageUnavailable("The database could not be read; try again", error);
  }
}

export async function spendReport(runtime: Runtime, groupBy: string, from?: number, to?: number): Promise<SpendRow[]> {
  if (!GROUPS.includes(groupBy as SpendGroupBy)) {
    throw new GatewayError("bad_request", `Invalid 'group_by': expected one of ${GROUPS.join(", ")}`, { param: "group_by" });
  }
  await runtime.ledger.flush();
  return readStorage(() => runtime.stores.ledger.spend({ groupBy: groupBy as SpendGroupBy, from, to }));
}

/** `beforeId`: the previous page's last row, whose ts `before` is (see RecentQuery). */
export async function recentRequests(runtime: Runtime, limit?: number, before?: number, beforeId?: string): Promise<LedgerRow[]> {
  await runtime.ledger.flush();
  return readStorage(() => runtime.stores.ledger.recent({ limit, before, beforeId }));
}

/** `before_id` names a ledger row or audit event (letters, digits, `._:-`) and only continues a page that `before` ends. */
export function parseBeforeId(value: string | null, before: number | undefined): string | undefined {
  if (value === null || value === "") return undefined;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(value)) throw new GatewayError("bad_request", "Invalid 'before_id': expected the id of the previous page's last entry", { param: "before_id" });
  if (before === undefined) throw new GatewayError("bad_request", "'before_id' needs 'before': the ts of the row it names", { param: "before" });
  return value;
}

export async function savingsReport(runtime: Runtime, from?: number, to?: number, markupPercents?: number[]): Promise<SavingsReport> {
  const groups = await spendReport(runtime, "model", from, to);
  return computeSavings(groups, {
    markupPercents,
    priceOf: (group) => {
      const slash = group.indexOf("/");
      if (slash <= 0) return undefined;
      const quote = runtime.pricing.quote({ id: group, provider: group.slice(0, slash), model: group.slice(slash + 1) });
      return quote.priced ? quote.price : undefined;
    },
  });
}
