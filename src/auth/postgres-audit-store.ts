/**
 * Audit events in PostgreSQL, shared by every gateway instance. Queued as
 * `QueuedAuditStore` describes; each batch is one INSERT. `list` first
 * writes what is queued, then reads, so it includes this instance's latest
 * events; it sees every instance's events.
 */
import type pg from "pg";
import { applyPostgresMigrations, bigintValue, integerValue, jsonBatchInsertSql, pgNumber, pgText, pgTextOrNull, timeBound, type PgMigration } from "../storage/postgres.js";
import { auditLimit, type AuditAction, type AuditEvent, type AuditQuery } from "./audit-log.js";
import { QueuedAuditStore, type AuditQueueOptions } from "./audit-queue.js";

export const AUDIT_PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "create audit_events",
    sql: `
      CREATE TABLE audit_events (
        seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id         TEXT    NOT NULL UNIQUE,
        ts         BIGINT  NOT NULL,
        actor      TEXT    NOT NULL,
        action     TEXT    NOT NULL,
        key_prefix TEXT,
        target     TEXT,
        reason     TEXT,
        status     INTEGER,
        request_id TEXT
      );
      CREATE INDEX audit_events_ts ON audit_events (ts, seq);
      CREATE INDEX audit_events_action_ts ON audit_events (action, ts, seq);
    `,
  },
];

export type PostgresAuditStoreOptions = AuditQueueOptions;

const COLUMNS = ["id", "ts", "actor", "action", "key_prefix", "target", "reason", "status", "request_id"] as const;
const INSERT_SQL = jsonBatchInsertSql("audit_events", COLUMNS);
const SELECT = `SELECT ${COLUMNS.join(", ")} FROM audit_events`;

export class PostgresAuditStore extends QueuedAuditStore {
  /** The write in progress; writes run one at a time, in order. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly pool: pg.Pool, options: PostgresAuditStoreOptions) {
    super(options);
  }

  /** Migrates `audit_events`; the pool stays the caller's. */
  static async open(pool: pg.Pool, options: PostgresAuditStoreOptions = {}): Promise<PostgresAuditStore> {
    await applyPostgresMigrations(pool, "audit_events", AUDIT_PG_MIGRATIONS);
    return new PostgresAuditStore(pool, options);
  }

  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    await this.flush();
    const params = [timeBound(query.before, Number.MAX_SAFE_INTEGER), auditLimit(query.limit), pgText(query.beforeId ?? "")];
    // An unknown before_id continues from the millisecond alone (no seq is below 0).
    const page = `ts <= $1 AND (ts < $1 OR seq < COALESCE((SELECT seq FROM audit_events WHERE id = $3), 0))`;
    const { rows } = query.action === undefined
      ? await this.pool.query<Record<string, unknown>>(`${SELECT} WHERE ${page} ORDER BY ts DESC, seq DESC LIMIT $2`, params)
      : await this.pool.query<Record<string, unknown>>(`${SELECT} WHERE action = $4 AND ${page} ORDER BY ts DESC, seq DESC LIMIT $2`, [...params, pgText(query.action)]);
    return rows.map(fromRow);
  }

  /** Writes the queue now; resolves when it (and any earlier write) is done. Never rejects: a failed batch is counted and reported. */
  flush(): Promise<void> {
    const batch = this.takeQueued();
    this.writing = this.writing.then(() => (batch.length === 0 ? undefined : this.write(batch)));
    return this.writing;
  }

  private async write(batch: AuditEvent[]): Promise<void> {
    try {
      await this.pool.query(INSERT_SQL, [JSON.stringify(batch.map(toRecord))]);
    } catch (error) {
      this.lost(batch, error);
    }
  }
}

function toRecord(event: AuditEvent): Record<(typeof COLUMNS)[number], unknown> {
  return {
    id: pgText(event.id),
    ts: bigintValue(event.ts),
    actor: pgText(event.actor),
    action: pgText(event.action),
    key_prefix: pgTextOrNull(event.key_prefix),
    target: pgTextOrNull(event.target),
    reason: pgTextOrNull(event.reason),
    status: event.status === null ? null : integerValue(event.status),
    request_id: pgTextOrNull(event.request_id),
  };
}

function fromRow(row: Record<string, unknown>): AuditEvent {
  return {
    id: String(row.id),
    ts: pgNumber(row.ts),
    actor: String(row.actor),
    action: String(row.action) as AuditAction,
    key_prefix: (row.key_prefix ?? null) as string | null,
    target: (row.target ?? null) as string | null,
    reason: (row.reason ?? null) as string | null,
    status: row.status === null || row.status === undefined ? null : pgNumber(row.status),
    request_id: (row.request_id ?? null) as string | null,
  };
}
