/**
 * What the PostgreSQL stores (ledger, virtual keys, audit log) share: the
 * pool, versioned migrations, and the conversions between JS values and
 * PostgreSQL's. Loaded only when `storage.url` is `postgres://…`, so SQLite
 * and memory setups never load `pg`.
 *
 * A `postgres://` URL usually carries a password: nothing here puts the URL
 * (or its password) into an error message or a log line.
 */
import pg from "pg";

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;
export type PgQueryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

/** True for `postgres://…` and `postgresql://…`. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export interface PostgresPoolOptions {
  /** Idle-client errors (a server restart, a dropped connection); without a handler they would crash the process. */
  onError?: (error: Error) => void;
  /** Connections at most (default 10). */
  max?: number;
  /** Extra server options, e.g. `-c search_path=x` (tests). */
  options?: string;
  /** A query unanswered this long fails (ms; default {@link QUERY_TIMEOUT_MS}). */
  queryTimeoutMs?: number;
}

/**
 * How long a query may go unanswered before it fails and its connection is
 * dropped. A connection left dead by a failover or a network partition (no
 * reset reaches us) would otherwise hold its caller until the kernel gives up
 * on it, about 15 minutes: the ledger writer waits on one write at a time, so
 * every ledger row would pile up in memory (and past its bound be dropped)
 * while new connections to the database work.
 */
export const QUERY_TIMEOUT_MS = 30_000;

/**
 * A pool for `url`. Connecting gives up after 10 s instead of hanging the
 * gateway's start, and a query after 30 s (see {@link QUERY_TIMEOUT_MS});
 * the URL's own parameters (sslmode, ...) apply.
 */
export function createPostgresPool(url: string, options: PostgresPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    query_timeout: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
    application_name: "switchyard",
    ...(options.options ? { options: options.options } : {}),
  });
  const onError = options.onError ?? (() => {});
  pool.on("error", (error) => onError(new Error(postgresErrorMessage(error, url))));
  return pool;
}

/**
 * The message of a PostgreSQL (or connection) error with the URL and its
 * password masked: safe to log or to show in a startup error.
 */
export function postgresErrorMessage(error: unknown, url: string): string {
  let message = error instanceof Error ? error.message : String(error);
  const secrets = new Set<string>([url]);
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      secrets.add(parsed.password);
      secrets.add(decodeURIComponent(parsed.password));
    }
  } catch {
    // Not a parseable URL: masking the whole string is all we can do.
  }
  for (const secret of secrets) if (secret.length >= 3) message = message.split(secret).join("***");
  return message || "unknown error";
}

export interface PgMigration {
  /** 1, 2, 3, ... in order; never renumber or edit a released migration, add a new one. */
  version: number;
  name: string;
  /** One or more statements, run with the simple query protocol (no parameters). */
  sql: string;
}

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS switchyard_migrations (
  component  TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  name       TEXT    NOT NULL,
  applied_at BIGINT  NOT NULL,
  PRIMARY KEY (component, version)
)`;

/**
 * Applies the migrations of `component` not yet recorded in
 * `switchyard_migrations`, all in one transaction (all or none), and returns
 * the versions applied. The transaction first takes a transaction-scoped
 * advisory lock (one per schema), so several instances starting together
 * queue up: the first applies, the others then find nothing to do. Refuses a
 * schema migrated by a newer Switchyard rather than misreading it. Tables go
 * to the first schema of the connection's `search_path`.
 */
export function applyPostgresMigrations(pool: pg.Pool, component: string, migrations: readonly PgMigration[], now: () => number = Date.now): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    const applied: number[] = [];
    await client.query("SELECT pg_advisory_xact_lock(hashtext('switchyard_migrations'), hashtext(coalesce(current_schema(), '')))");
    await client.query(BOOKKEEPING);
    const { rows } = await client.query<{ version: number | null }>("SELECT MAX(version) AS version FROM switchyard_migrations WHERE component = $1", [component]);
    const current = rows[0]?.version ?? 0;
    const known = Math.max(0, ...migrations.map((m) => m.version));
    if (current > known) {
      throw new Error(`Database schema for '${component}' is at version ${current}, newer than this Switchyard knows (${known}); upgrade Switchyard`);
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO switchyard_migrations (component, version, name, applied_at) VALUES ($1, $2, $3, $4)", [component, migration.version, migration.name, now()]);
      applied.push(migration.version);
    }
    return applied;
  });
}

/** Runs `work` in one transaction on one pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * An INSERT of a whole batch whose rows arrive as one JSON array (`$1`), which
 * the server unpacks into `table`'s own row type; rows whose id exists are
 * skipped, so a retried batch is safe. One statement for any number of rows
 * (no bind-parameter limit), so all or nothing; and far cheaper for the
 * gateway than binding every value: the ledger's 23 columns cost 8–10 µs a
 * row bound one by one, 4–8 as JSON (bench/optimizations.md). Each row is an
 * object keyed by column name, its values made safe with the helpers below.
 */
export function jsonBatchInsertSql(table: string, columns: readonly string[]): string {
  const list = columns.join(", ");
  return `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, $1::json) ON CONFLICT (id) DO NOTHING`;
}

/**
 * PostgreSQL text cannot hold U+0000, nor a lone UTF-16 surrogate inside a JSON
 * parameter; either in a logged string (a client's model name, say) would fail
 * its whole batch forever. Logs keep the rest of the text with U+FFFD in their place.
 */
export function pgText(value: unknown): string {
  return String(value).replaceAll("\u0000", "\uFFFD").toWellFormed();
}

export function pgTextOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : pgText(value);
}

/** BIGINT, COUNT and SUM(BIGINT) arrive as strings (they may exceed 2^53); every value Switchyard stores fits a double. */
export function pgNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value ?? 0);
}

export function pgNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : pgNumber(value);
}

/** A finite integer for a BIGINT column: rounded, and clamped to the safe-integer range (0 for NaN/±Infinity). */
export function bigintValue(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return 0;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Math.round(value)));
}

/**
 * A time bound (epoch ms) as a BIGINT parameter for a `ts < $n` or
 * `ts >= $n` comparison. ts is an integer, so `ts < 1.5` is `ts < 2` and
 * `ts >= 1.5` is `ts >= 2`: rounding up keeps the comparison exact (and the
 * index usable). `fallback` stands in for undefined or NaN.
 */
export function timeBound(value: number | undefined, fallback: number): number {
  if (value === undefined || Number.isNaN(value)) return fallback;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Math.ceil(value)));
}

/** A finite integer for an INTEGER column (32-bit), clamped. */
export function integerValue(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return 0;
  return Math.min(2_147_483_647, Math.max(-2_147_483_648, Math.round(value)));
}

/** The database clock in epoch milliseconds, as SQL (one clock for every instance, unlike each host's). */
export const DB_NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";
