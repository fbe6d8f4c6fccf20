/**
 * Audit events in PostgreSQL, shared by every gateway instance. As with the
 * SQLite store, `record` only queues (an array push on the request path);
 * the queue is written shortly after as one INSERT, a full queue
 * drops events (counted in `dropped`) rather than grow without bound, and a
 * failed write drops its batch, counts it and tells `onError`. `list` first
 * writes what is queued, then reads, so it includes this instance's latest
 * events; it sees every instance's events.
 */
import type pg from "pg";
import { applyPostgresMigrations, bigintValue, integerValue, jsonBatchInsertSql, pgNumber, pgText, pgTextOrNull, timeBound, type PgMigration } from "../storage/postgres.js";
import { auditLimit, completeAuditEvent, type AuditAction, type AuditEvent, type AuditEventInput, type AuditQuery, type AuditStore } from "./audit-log.js";

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

export interface PostgresAuditStoreOptions {
  /** Delay between the first queued event and the write (ms). */
  flushDelayMs?: number;
  /** Events queued beyond this are dropped until the next write. */
  maxQueued?: number;
  now?: () => number;
  /** Told about a failed write (the batch is dropped); defaults to ignoring it. */
  onError?: (error: unknown) => void;
}

const COLUMNS = ["id", "ts", "actor", "action", "key_prefix", "target", "reason", "status", "request_id"] as const;
const INSERT_SQL = jsonBatchInsertSql("audit_events", COLUMNS);
const SELECT = `SELECT ${COLUMNS.join(", ")} FROM audit_events`;

export class PostgresAuditStore implements AuditStore {
  private queue: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private droppedCount = 0;
  /** The write in progress; writes run one at a time, in order. */
  private writing: Promise<void> = Promise.resolve();
  private readonly flushDelayMs: number;
  private readonly maxQueued: number;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;

  private constructor(private readonly pool: pg.Pool, options: PostgresAuditStoreOptions) {
    this.flushDelayMs = options.flushDelayMs ?? 100;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
  }

  /** Migrates `audit_events`; the pool stays the caller's. */
  static async open(pool: pg.Pool, options: PostgresAuditStoreOptions = {}): Promise<PostgresAuditStore> {
    await applyPostgresMigrations(pool, "audit_events", AUDIT_PG_MIGRATIONS);
    return new PostgresAuditStore(pool, options);
  }

  /** Events dropped because the queue was full or a write failed. */
  get dropped(): number {
    return this.droppedCount;
  }

  record(input: AuditEventInput): AuditEvent {
    const event = completeAuditEvent(input, this.now());
    if (this.closed || this.queue.length >= this.maxQueued) {
      this.droppedCount++;
      return event;
    }
    this.queue.push(event);
    this.timer ??= setTimeout(() => void this.flush(), this.flushDelayMs).unref();
    return { ...event };
  }

  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    await this.flush();
    const before = timeBound(query.before, Number.MAX_SAFE_INTEGER);
    const limit = auditLimit(query.limit);
    const { rows } = query.action === undefined
      ? await this.pool.query<Record<string, unknown>>(`${SELECT} WHERE ts < $1 ORDER BY ts DESC, seq DESC LIMIT $2`, [before, limit])
      : await this.pool.query<Record<string, unknown>>(`${SELECT} WHERE action = $1 AND ts < $2 ORDER BY ts DESC, seq DESC LIMIT $3`, [pgText(query.action), before, limit]);
    return rows.map(fromRow);
  }

  /** Writes the queue now; resolves when it (and any earlier write) is done. Never rejects: a failed batch is counted and reported. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.writing.then(() => (batch.length === 0 ? undefined : this.write(batch)));
    return this.writing;
  }

  /** Stops accepting events and starts writing the queue; await `flush()` for it to finish. */
  close(): void {
    if (this.closed) return;
    void this.flush();
    this.closed = true;
  }

  private async write(batch: AuditEvent[]): Promise<void> {
    try {
      await this.pool.query(INSERT_SQL, [JSON.stringify(batch.map(toRecord))]);
    } catch (error) {
      this.droppedCount += batch.length;
      this.onError(error);
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
