/**
 * The ledger in PostgreSQL, for several gateway instances sharing one
 * database. Same columns, indexes and answers as the SQLite store: `insert`
 * writes a batch as one `INSERT … ON CONFLICT (id) DO NOTHING` whose rows
 * arrive as one JSON parameter (one round trip, any batch size, all or
 * nothing; retried batches are safe), `recent` pages newest first, `spend`
 * groups and totals in SQL. Every value is a bind parameter; the group-by
 * expressions come from a fixed table, never from input.
 *
 * ```ts
 * const pool = createPostgresPool("postgres://switchyard@db/switchyard");
 * const ledger = new PostgresLedgerStore(pool);
 * await ledger.migrate();
 * ```
 */
import type pg from "pg";
import { applyPostgresMigrations, bigintValue, integerValue, jsonBatchInsertSql, pgNumber, pgNumberOrNull, pgText, pgTextOrNull, timeBound, type PgMigration } from "../storage/postgres.js";
import { requestIdOf, storedRequestId, type LedgerRow } from "./ledger-row.js";
import { recentLimit, roundUsd, sortSpendRows, type LedgerStore, type RecentQuery, type SpendGroupBy, type SpendQuery, type SpendRow } from "./ledger-store.js";
import { NOT_ROUTED_GROUP } from "./memory-store.js";

export const LEDGER_PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "ledger",
    sql: `
      CREATE TABLE ledger (
        id                 TEXT             PRIMARY KEY,
        ts                 BIGINT           NOT NULL,
        key_id             TEXT,
        requested_model    TEXT             NOT NULL,
        provider           TEXT             NOT NULL,
        model              TEXT             NOT NULL,
        status             INTEGER          NOT NULL,
        error_kind         TEXT,
        attempts           INTEGER          NOT NULL,
        route              TEXT             NOT NULL,
        stream             BOOLEAN          NOT NULL,
        input_tokens       BIGINT           NOT NULL,
        cached_tokens      BIGINT           NOT NULL,
        cache_write_tokens BIGINT           NOT NULL,
        output_tokens      BIGINT           NOT NULL,
        reasoning_tokens   BIGINT           NOT NULL,
        cost_usd           DOUBLE PRECISION,
        unpriced           BOOLEAN          NOT NULL,
        estimated          BOOLEAN          NOT NULL,
        price_version      TEXT             NOT NULL,
        latency_ms         BIGINT           NOT NULL,
        ttft_ms            BIGINT
      );
      CREATE INDEX ledger_ts ON ledger (ts);
      CREATE INDEX ledger_key_id_ts ON ledger (key_id, ts);
      CREATE INDEX ledger_model_ts ON ledger (model, ts);
    `,
  },
  {
    // The row id stops being the client's x-request-id (a reused one merged rows); older rows keep NULL here.
    version: 2,
    name: "ledger request_id",
    sql: `ALTER TABLE ledger ADD COLUMN request_id TEXT;`,
  },
  {
    // No query of Switchyard's reads these (spend filters on ts and groups by key, model or day,
    // through ledger_ts); each cost every insert, most with many keys and models: 29 against
    // 25 µs a row here with 50 keys and 7 models, 13 against 4 in SQLite (bench/optimizations.md).
    version: 3,
    name: "ledger drops the key and model indexes",
    sql: `DROP INDEX IF EXISTS ledger_key_id_ts; DROP INDEX IF EXISTS ledger_model_ts;`,
  },
];

const COLUMNS = [
  "id", "ts", "key_id", "requested_model", "provider", "model", "status", "error_kind", "attempts", "route", "stream",
  "input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
  "cost_usd", "unpriced", "estimated", "price_version", "latency_ms", "ttft_ms", "request_id",
] as const;

const INSERT_SQL = jsonBatchInsertSql("ledger", COLUMNS);

const GROUP_EXPRESSIONS: Record<SpendGroupBy, string> = {
  key: "key_id",
  model: `CASE WHEN provider = '' THEN '${NOT_ROUTED_GROUP}' ELSE provider || '/' || model END`,
  provider: `CASE WHEN provider = '' THEN '${NOT_ROUTED_GROUP}' ELSE provider END`,
  // The UTC day whatever the session's TimeZone is.
  day: "to_char(to_timestamp(ts / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};

function spendSql(expression: string): string {
  return `
    SELECT ${expression} AS "group", COUNT(*) AS requests,
      SUM(input_tokens) AS input_tokens, SUM(cached_tokens) AS cached_tokens,
      SUM(cache_write_tokens) AS cache_write_tokens, SUM(output_tokens) AS output_tokens,
      SUM(reasoning_tokens) AS reasoning_tokens,
      COALESCE(SUM(cost_usd), 0) AS cost_usd, COUNT(*) FILTER (WHERE unpriced) AS unpriced_requests
    FROM ledger WHERE ts >= $1 AND ts < $2 GROUP BY 1`;
}

// Ids sort bytewise (COLLATE "C") as in SQLite, whatever the database's collation.
const RECENT_SQL = `SELECT ${COLUMNS.join(", ")} FROM ledger WHERE ts <= $1 AND (ts < $1 OR id COLLATE "C" < $3) ORDER BY ts DESC, id COLLATE "C" DESC LIMIT $2`;

export interface PostgresLedgerStoreOptions {
  /** Whether `close()` ends the pool (true when the store opened it; false for a pool shared with other stores). */
  ownsPool?: boolean;
}

export class PostgresLedgerStore implements LedgerStore {
  private readonly ownsPool: boolean;
  private migrated = false;
  private closed = false;

  constructor(private readonly pool: pg.Pool, options: PostgresLedgerStoreOptions = {}) {
    this.ownsPool = options.ownsPool ?? false;
  }

  async migrate(): Promise<void> {
    await applyPostgresMigrations(this.pool, "ledger", LEDGER_PG_MIGRATIONS);
    this.migrated = true;
  }

  async insert(rows: readonly LedgerRow[]): Promise<number> {
    this.ready();
    if (rows.length === 0) return 0;
    const result = await this.pool.query(INSERT_SQL, [JSON.stringify(rows.map(toSqlRecord))]);
    return result.rowCount ?? 0;
  }

  async recent(query: RecentQuery = {}): Promise<LedgerRow[]> {
    this.ready();
    const { rows } = await this.pool.query<Record<string, unknown>>(RECENT_SQL, [timeBound(query.before, Number.MAX_SAFE_INTEGER), recentLimit(query.limit), pgText(query.beforeId ?? "")]);
    return rows.map(fromSql);
  }

  async spend(query: SpendQuery): Promise<SpendRow[]> {
    this.ready();
    const expression = Object.hasOwn(GROUP_EXPRESSIONS, query.groupBy) ? GROUP_EXPRESSIONS[query.groupBy] : undefined;
    if (!expression) throw new Error(`unknown spend grouping: ${String(query.groupBy)}`);
    const from = timeBound(query.from, Number.MIN_SAFE_INTEGER);
    const to = timeBound(query.to, Number.MAX_SAFE_INTEGER);
    const { rows } = await this.pool.query<Record<string, unknown>>(spendSql(expression), [from, to]);
    const out: SpendRow[] = rows.map((row) => ({
      group: row.group === null || row.group === undefined ? null : String(row.group),
      requests: pgNumber(row.requests),
      input_tokens: pgNumber(row.input_tokens),
      cached_tokens: pgNumber(row.cached_tokens),
      cache_write_tokens: pgNumber(row.cache_write_tokens),
      output_tokens: pgNumber(row.output_tokens),
      reasoning_tokens: pgNumber(row.reasoning_tokens),
      cost_usd: roundUsd(pgNumber(row.cost_usd)),
      unpriced_requests: pgNumber(row.unpriced_requests),
    }));
    return sortSpendRows(out, query.groupBy);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }

  private ready(): void {
    if (!this.migrated) throw new Error("ledger store used before migrate()");
  }
}

/**
 * A row as the server will read it, made defensively like the SQLite store's:
 * one malformed value (NaN, undefined, a NUL character, a lone surrogate, an
 * out-of-range number) must not make its whole batch fail forever and block
 * the ledger. Keys are the column names (json_populate_recordset matches them).
 */
function toSqlRecord(row: LedgerRow): Record<(typeof COLUMNS)[number], unknown> {
  return {
    id: pgText(row.id),
    ts: bigintValue(row.ts),
    key_id: pgTextOrNull(row.key_id),
    requested_model: pgText(row.requested_model ?? ""),
    provider: pgText(row.provider ?? ""),
    model: pgText(row.model ?? ""),
    status: integerValue(row.status),
    error_kind: pgTextOrNull(row.error_kind),
    attempts: integerValue(row.attempts),
    route: pgText(row.route ?? ""),
    stream: Boolean(row.stream),
    input_tokens: bigintValue(row.input_tokens),
    cached_tokens: bigintValue(row.cached_tokens),
    cache_write_tokens: bigintValue(row.cache_write_tokens),
    output_tokens: bigintValue(row.output_tokens),
    reasoning_tokens: bigintValue(row.reasoning_tokens),
    cost_usd: typeof row.cost_usd === "number" && Number.isFinite(row.cost_usd) ? row.cost_usd : null,
    unpriced: Boolean(row.unpriced),
    estimated: Boolean(row.estimated),
    price_version: pgText(row.price_version ?? ""),
    latency_ms: bigintValue(row.latency_ms),
    ttft_ms: row.ttft_ms == null ? null : bigintValue(row.ttft_ms),
    request_id: pgTextOrNull(storedRequestId(row)),
  };
}

function fromSql(raw: Record<string, unknown>): LedgerRow {
  return {
    id: String(raw.id),
    request_id: requestIdOf(raw.request_id, String(raw.id)),
    ts: pgNumber(raw.ts),
    key_id: raw.key_id === null ? null : String(raw.key_id),
    requested_model: String(raw.requested_model),
    provider: String(raw.provider),
    model: String(raw.model),
    status: pgNumber(raw.status),
    error_kind: raw.error_kind === null ? null : String(raw.error_kind),
    attempts: pgNumber(raw.attempts),
    route: String(raw.route),
    stream: raw.stream === true,
    input_tokens: pgNumber(raw.input_tokens),
    cached_tokens: pgNumber(raw.cached_tokens),
    cache_write_tokens: pgNumber(raw.cache_write_tokens),
    output_tokens: pgNumber(raw.output_tokens),
    reasoning_tokens: pgNumber(raw.reasoning_tokens),
    cost_usd: pgNumberOrNull(raw.cost_usd),
    unpriced: raw.unpriced === true,
    estimated: raw.estimated === true,
    price_version: String(raw.price_version),
    latency_ms: pgNumber(raw.latency_ms),
    ttft_ms: pgNumberOrNull(raw.ttft_ms),
  };
}
