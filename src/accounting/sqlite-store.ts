/**
 * The embedded ledger: one SQLite file in WAL mode (readers such as
 * `switchyard spend` never block the gateway's writes). Statements are
 * prepared once and take parameters only; the group-by expressions come from
 * a fixed table, never from input.
 */
import { requestIdOf, storedRequestId, type LedgerRow } from "./ledger-row.js";
import { recentLimit, roundUsd, sortSpendRows, type LedgerStore, type RecentQuery, type SpendGroupBy, type SpendQuery, type SpendRow } from "./ledger-store.js";
import { openSqlite, type SqliteDatabase, type SqliteStatement, type SqliteTransaction, type SqliteValue } from "../storage/sqlite.js";
import { applyMigrations } from "./sqlite-migrations.js";
import { NOT_ROUTED_GROUP } from "./memory-store.js";

const COLUMNS = [
  "id", "ts", "key_id", "requested_model", "provider", "model", "status", "error_kind", "attempts", "route", "stream",
  "input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
  "cost_usd", "unpriced", "estimated", "price_version", "latency_ms", "ttft_ms", "request_id",
] as const;

const GROUP_EXPRESSIONS: Record<SpendGroupBy, string> = {
  key: "key_id",
  model: `CASE WHEN provider = '' THEN '${NOT_ROUTED_GROUP}' ELSE provider || '/' || model END`,
  provider: `CASE WHEN provider = '' THEN '${NOT_ROUTED_GROUP}' ELSE provider END`,
  day: "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')",
};

interface Statements {
  insertMany: SqliteTransaction<[readonly LedgerRow[]], number>;
  recent: SqliteStatement;
  spend: Record<SpendGroupBy, SqliteStatement>;
}

export class SqliteLedgerStore implements LedgerStore {
  private readonly db: SqliteDatabase;
  private statements: Statements | undefined;

  /** `filename` is a path or ":memory:". */
  constructor(filename: string) {
    this.db = openSqlite(filename);
    // In WAL mode NORMAL loses no committed data on a process crash, only possibly on power loss.
    this.db.pragma("synchronous = NORMAL");
  }

  async migrate(): Promise<void> {
    applyMigrations(this.db);
    this.statements ??= this.prepare();
  }

  async insert(rows: readonly LedgerRow[]): Promise<number> {
    return rows.length > 0 ? this.ready().insertMany(rows) : 0;
  }

  async recent(query: RecentQuery = {}): Promise<LedgerRow[]> {
    const raw = this.ready().recent.all({ before: query.before ?? Number.MAX_SAFE_INTEGER, beforeId: query.beforeId ?? "", limit: recentLimit(query.limit) });
    return raw.map((row) => fromSql(row as Record<string, unknown>));
  }

  async spend(query: SpendQuery): Promise<SpendRow[]> {
    const statement = this.ready().spend[query.groupBy];
    if (!statement) throw new Error(`unknown spend grouping: ${String(query.groupBy)}`);
    const raw = statement.all(query.from ?? Number.MIN_SAFE_INTEGER, query.to ?? Number.MAX_SAFE_INTEGER) as SpendRow[];
    return sortSpendRows(raw.map((row) => ({ ...row, cost_usd: roundUsd(row.cost_usd) })), query.groupBy);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private ready(): Statements {
    if (!this.statements) throw new Error("ledger store used before migrate()");
    return this.statements;
  }

  private prepare(): Statements {
    const insert = this.db.prepare(
      // Positional parameters: binding 22 values by name costs more than the insert's own work.
      `INSERT INTO ledger (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")}) ON CONFLICT (id) DO NOTHING`,
    );
    const spend = {} as Record<SpendGroupBy, SqliteStatement>;
    for (const [groupBy, expression] of Object.entries(GROUP_EXPRESSIONS) as Array<[SpendGroupBy, string]>) {
      spend[groupBy] = this.db.prepare(`
        SELECT ${expression} AS "group", COUNT(*) AS requests,
          SUM(input_tokens) AS input_tokens, SUM(cached_tokens) AS cached_tokens,
          SUM(cache_write_tokens) AS cache_write_tokens, SUM(output_tokens) AS output_tokens,
          SUM(reasoning_tokens) AS reasoning_tokens,
          TOTAL(cost_usd) AS cost_usd, SUM(unpriced) AS unpriced_requests
        FROM ledger WHERE ts >= ? AND ts < ? GROUP BY 1`);
    }
    return {
      insertMany: this.db.transaction((rows: readonly LedgerRow[]) => {
        let added = 0;
        for (const row of rows) added += insert.run(...toSql(row)).changes;
        return added;
      }),
      recent: this.db.prepare(`SELECT ${COLUMNS.join(", ")} FROM ledger WHERE ts <= @before AND (ts < @before OR id < @beforeId) ORDER BY ts DESC, id DESC LIMIT @limit`),
      spend,
    };
  }
}

/**
 * Binds a row defensively: one malformed value (NaN, undefined, a boolean)
 * must not make its whole batch fail forever and block the ledger.
 */
function toSql(row: LedgerRow): SqliteValue[] {
  // Same order as COLUMNS.
  return [
    String(row.id),
    int(row.ts),
    row.key_id == null ? null : String(row.key_id),
    String(row.requested_model ?? ""),
    String(row.provider ?? ""),
    String(row.model ?? ""),
    int(row.status),
    row.error_kind == null ? null : String(row.error_kind),
    int(row.attempts),
    String(row.route ?? ""),
    row.stream ? 1 : 0,
    int(row.input_tokens),
    int(row.cached_tokens),
    int(row.cache_write_tokens),
    int(row.output_tokens),
    int(row.reasoning_tokens),
    typeof row.cost_usd === "number" && Number.isFinite(row.cost_usd) ? row.cost_usd : null,
    row.unpriced ? 1 : 0,
    row.estimated ? 1 : 0,
    String(row.price_version ?? ""),
    int(row.latency_ms),
    row.ttft_ms == null ? null : int(row.ttft_ms),
    storedRequestId(row),
  ];
}

function fromSql(raw: Record<string, unknown>): LedgerRow {
  return { ...(raw as unknown as LedgerRow), request_id: requestIdOf(raw.request_id, String(raw.id)), stream: raw.stream === 1, unpriced: raw.unpriced === 1, estimated: raw.estimated === 1 };
}

function int(value: number): number {
  return Number.isFinite(value) ? Math.round(value) : 0;
}
