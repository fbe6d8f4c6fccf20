/**
 * A ledger in process memory, for `storage.url: memory://` and tests. Same
 * semantics as the SQLite store (duplicate ids ignored, same grouping and
 * order) while it holds every row; memory stays bounded for a long-running
 * gateway: past `maxRows`, the oldest rows are folded into hourly totals, so
 * spend stays complete (older `from`/`to` bounds fall on whole hours) and
 * `recent` keeps the newest rows.
 */
import type { LedgerRow } from "./ledger-row.js";
import { RowColumns } from "./row-columns.js";
import { recentLimit, roundUsd, sortSpendRows, type LedgerStore, type RecentQuery, type SpendGroupBy, type SpendQuery, type SpendRow, type SpendTotals } from "./ledger-store.js";

export const DEFAULT_MEMORY_ROWS = 10_000;

/**
 * The model and provider group of requests refused before routing (a 403 or a
 * 404, say): their provider and model are empty, which would read as "/" or "".
 * Every store uses this name (the SQL stores spell it into their queries).
 */
export const NOT_ROUTED_GROUP = "(not routed)";

const HOUR_MS = 3_600_000;

/** Rows folded away: one per hour × key × provider × model. */
interface Folded extends SpendTotals {
  hour: number;
  key_id: string | null;
  provider: string;
  model: string;
}

type Groupable = Pick<LedgerRow, "key_id" | "provider" | "model" | "ts">;

const GROUP_KEYS: Record<SpendGroupBy, (row: Groupable) => string | null> = {
  key: (row) => row.key_id,
  model: (row) => (row.provider === "" ? NOT_ROUTED_GROUP : `${row.provider}/${row.model}`),
  provider: (row) => row.provider || NOT_ROUTED_GROUP,
  day: (row) => new Date(row.ts).toISOString().slice(0, 10),
};

function emptyTotals(): SpendTotals {
  return { requests: 0, input_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unpriced_requests: 0 };
}

function addTotals(into: SpendTotals, from: SpendTotals): void {
  into.requests += from.requests;
  into.input_tokens += from.input_tokens;
  into.cached_tokens += from.cached_tokens;
  into.cache_write_tokens += from.cache_write_tokens;
  into.output_tokens += from.output_tokens;
  into.reasoning_tokens += from.reasoning_tokens;
  into.cost_usd += from.cost_usd;
  into.unpriced_requests += from.unpriced_requests;
}

function rowTotals(row: LedgerRow): SpendTotals {
  return {
    requests: 1,
    input_tokens: row.input_tokens,
    cached_tokens: row.cached_tokens,
    cache_write_tokens: row.cache_write_tokens,
    output_tokens: row.output_tokens,
    reasoning_tokens: row.reasoning_tokens,
    cost_usd: row.cost_usd ?? 0,
    unpriced_requests: row.unpriced ? 1 : 0,
  };
}

export class MemoryLedgerStore implements LedgerStore {
  private readonly rows: RowColumns;
  private readonly ids = new Set<string>();
  private readonly folded = new Map<string, Folded>();
  private lastFolded: Folded | undefined;

  constructor(maxRows = DEFAULT_MEMORY_ROWS) {
    this.rows = new RowColumns(Math.max(1, maxRows));
  }

  async migrate(): Promise<void> {}

  async insert(rows: readonly LedgerRow[]): Promise<number> {
    let added = 0;
    for (const row of rows) if (this.insertNow(row)) added++;
    return added;
  }

  /**
   * Synchronous: the ledger writer hands rows over as they come instead of queueing them (see row-columns.ts).
   * False when a row with its id is stored already.
   */
  insertNow(row: LedgerRow): boolean {
    if (this.ids.has(row.id)) return false;
    if (this.rows.size === this.rows.maxRows) this.foldOldest();
    this.ids.add(row.id);
    this.rows.push(row);
    return true;
  }

  /**
   * Moves the oldest row into its hourly total, read from the columns without
   * building the row. Consecutive rows mostly share their total (same hour, key
   * and model), so the map is looked up only when the group changes.
   */
  private foldOldest(): void {
    const rows = this.rows;
    this.ids.delete(rows.text(0, "id")!);
    const hour = Math.floor(rows.ts(0) / HOUR_MS) * HOUR_MS;
    const keyId = rows.text(0, "key_id");
    const provider = rows.text(0, "provider")!;
    const model = rows.text(0, "model")!;
    let entry = this.lastFolded;
    if (!entry || entry.hour !== hour || entry.key_id !== keyId || entry.provider !== provider || entry.model !== model) {
      const key = `${hour}\u0000${keyId ?? ""}\u0000${provider}\u0000${model}`;
      entry = this.folded.get(key);
      if (!entry) this.folded.set(key, (entry = { hour, key_id: keyId, provider, model, ...emptyTotals() }));
      this.lastFolded = entry;
    }
    rows.addTotalsTo(0, entry);
    rows.dropOldest();
  }

  async recent(query: RecentQuery = {}): Promise<LedgerRow[]> {
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const beforeId = query.beforeId ?? "";
    const rows: LedgerRow[] = [];
    for (let i = 0; i < this.rows.size; i++) {
      const ts = this.rows.ts(i);
      if (ts < before) rows.push(this.rows.row(i));
      else if (ts === before && beforeId !== "") {
        const row = this.rows.row(i);
        if (row.id < beforeId) rows.push(row);
      }
    }
    return rows.sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, recentLimit(query.limit));
  }

  async spend(query: SpendQuery): Promise<SpendRow[]> {
    const from = query.from ?? Number.MIN_SAFE_INTEGER;
    const to = query.to ?? Number.MAX_SAFE_INTEGER;
    const keyOf = GROUP_KEYS[query.groupBy];
    const groups = new Map<string | null, SpendRow>();
    const add = (source: Groupable, totals: SpendTotals) => {
      const group = keyOf(source);
      let total = groups.get(group);
      if (!total) groups.set(group, (total = { group, ...emptyTotals() }));
      addTotals(total, totals);
    };
    for (const entry of this.folded.values()) {
      if (entry.hour + HOUR_MS <= from || entry.hour >= to) continue;
      add({ ...entry, ts: entry.hour }, entry);
    }
    for (let i = 0; i < this.rows.size; i++) {
      const ts = this.rows.ts(i);
      if (ts < from || ts >= to) continue;
      const row = this.rows.row(i);
      add(row, rowTotals(row));
    }
    const rows = [...groups.values()].map((row) => ({ ...row, cost_usd: roundUsd(row.cost_usd) }));
    return sortSpendRows(rows, query.groupBy);
  }

  async close(): Promise<void> {}

  /** Rows held one by one (tests). */
  get size(): number {
    return this.rows.size;
  }
}
