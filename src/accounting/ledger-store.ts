/**
 * Where ledger rows live. Implementations: SQLite (embedded default), memory
 * (tests, `memory://`), PostgreSQL (`postgres://`, several instances). All methods are async so a network
 * store fits the same shape.
 */
import type { LedgerRow } from "./ledger-row.js";

export type SpendGroupBy = "key" | "model" | "provider" | "day";

export interface SpendQuery {
  groupBy: SpendGroupBy;
  /** Inclusive lower bound, epoch ms. */
  from?: number;
  /** Exclusive upper bound, epoch ms. */
  to?: number;
}

/**
 * Totals of one group. `group` is the key id (null for requests without a
 * key), `provider/model` (the same model id on two providers is two groups,
 * and the string is a `pricing:` key), the provider name, or a UTC day
 * `YYYY-MM-DD`.
 */
export interface SpendRow {
  group: string | null;
  requests: number;
  input_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** USD of the priced requests, rounded to 1e-10. */
  cost_usd: number;
  unpriced_requests: number;
}

/** A spend row's counts without its group: what each row adds to it. */
export type SpendTotals = Omit<SpendRow, "group">;

export interface RecentQuery {
  /** Default 50, at most 1000. */
  limit?: number;
  /** Only rows with ts < before (epoch ms), for paging back in time. */
  before?: number;
  /**
   * With `before`: the id of the previous page's last row, whose ts `before` is. Rows at exactly
   * `before` with a smaller id then follow too, so pages neither skip nor repeat rows that share
   * a millisecond (under load, many do).
   */
  beforeId?: string;
}

export interface LedgerStore {
  /** Creates or upgrades the schema; safe to call any number of times. */
  migrate(): Promise<void>;
  /**
   * Writes a batch atomically (one transaction); a row whose id exists is ignored, so retries are
   * safe. Resolves with the number of rows newly stored, where the store can tell.
   */
  insert(rows: readonly LedgerRow[]): Promise<number | void>;
  /** A store in process memory takes a row synchronously; the writer then skips its queue. */
  insertNow?(row: LedgerRow): void;
  /** Newest first. */
  recent(query?: RecentQuery): Promise<LedgerRow[]>;
  /** Per-group totals; `day` groups ascend by day, others descend by cost then ascend by group. */
  spend(query: SpendQuery): Promise<SpendRow[]>;
  close(): Promise<void>;
}

export const DEFAULT_RECENT_LIMIT = 50;
export const MAX_RECENT_LIMIT = 1000;

/** The clamped page size both stores use. */
export function recentLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_RECENT_LIMIT;
  return Math.min(MAX_RECENT_LIMIT, Math.max(1, Math.floor(limit)));
}

/** Sums of doubles carry noise below ~1e-10 USD; reports round it away. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e10) / 1e10;
}

/** The order `spend()` returns (shared so every store sorts the same way). */
export function sortSpendRows(rows: SpendRow[], groupBy: SpendGroupBy): SpendRow[] {
  const byGroup = (a: SpendRow, b: SpendRow) => (a.group === b.group ? 0 : a.group === null ? -1 : b.group === null ? 1 : a.group < b.group ? -1 : 1);
  return rows.sort(groupBy === "day" ? byGroup : (a, b) => b.cost_usd - a.cost_usd || byGroup(a, b));
}
