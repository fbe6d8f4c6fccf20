/**
 * A ledger in process memory, for `storage.url: memory://` and tests. Same
 * semantics as the SQLite store (duplicate ids ignored, same grouping and order).
 */
import type { LedgerRow } from "./ledger-row.js";
import { recentLimit, roundUsd, sortSpendRows, type LedgerStore, type RecentQuery, type SpendGroupBy, type SpendQuery, type SpendRow } from "./ledger-store.js";

const GROUP_KEYS: Record<SpendGroupBy, (row: LedgerRow) => string | null> = {
  key: (row) => row.key_id,
  model: (row) => `${row.provider}/${row.model}`,
  provider: (row) => row.provider,
  day: (row) => new Date(row.ts).toISOString().slice(0, 10),
};

export class MemoryLedgerStore implements LedgerStore {
  private readonly rows: LedgerRow[] = [];
  private readonly ids = new Set<string>();

  async migrate(): Promise<void> {}

  async insert(rows: readonly LedgerRow[]): Promise<void> {
    for (const row of rows) {
      if (this.ids.has(row.id)) continue;
      this.ids.add(row.id);
      this.rows.push({ ...row });
    }
  }

  async recent(query: RecentQuery = {}): Promise<LedgerRow[]> {
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    return this.rows
      .filter((row) => row.ts < before)
      .sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, recentLimit(query.limit))
      .map((row) => ({ ...row }));
  }

  async spend(query: SpendQuery): Promise<SpendRow[]> {
    const from = query.from ?? Number.MIN_SAFE_INTEGER;
    const to = query.to ?? Number.MAX_SAFE_INTEGER;
    const keyOf = GROUP_KEYS[query.groupBy];
    const groups = new Map<string | null, SpendRow>();
    for (const row of this.rows) {
      if (row.ts < from || row.ts >= to) continue;
      const group = keyOf(row);
      let total = groups.get(group);
      if (!total) {
        total = { group, requests: 0, input_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unpriced_requests: 0 };
        groups.set(group, total);
      }
      total.requests += 1;
      total.input_tokens += row.input_tokens;
      total.cached_tokens += row.cached_tokens;
      total.cache_write_tokens += row.cache_write_tokens;
      total.output_tokens += row.output_tokens;
      total.reasoning_tokens += row.reasoning_tokens;
      total.cost_usd += row.cost_usd ?? 0;
      if (row.unpriced) total.unpriced_requests += 1;
    }
    const rows = [...groups.values()].map((row) => ({ ...row, cost_usd: roundUsd(row.cost_usd) }));
    return sortSpendRows(rows, query.groupBy);
  }

  async close(): Promise<void> {}

  /** Rows stored so far (tests). */
  get size(): number {
    return this.rows.length;
  }
}
