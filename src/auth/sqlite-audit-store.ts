/**
 * Audit events in SQLite, on a database handle the caller shares (usually
 * the ledger's). `record` only queues: events are written in one transaction
 * shortly after, so a flood of denied requests costs each request an array
 * push, and a full queue drops events (counted in `dropped`) rather than grow
 * without bound or stall requests.
 */
import { auditLimit, completeAuditEvent, type AuditEvent, type AuditEventInput, type AuditQuery, type AuditStore } from "./audit-log.js";
import type { SqliteDatabase, SqliteStatement, SqliteTransaction } from "../storage/sqlite.js";
import { migrate, type Migration } from "./sqlite-migrations.js";

export const AUDIT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "create audit_events",
    sql: `
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        ts INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        key_prefix TEXT,
        target TEXT,
        reason TEXT,
        status INTEGER,
        request_id TEXT
      ) STRICT;
      CREATE INDEX audit_events_ts ON audit_events (ts, seq);
      CREATE INDEX audit_events_action_ts ON audit_events (action, ts, seq);
    `,
  },
];

export interface SqliteAuditStoreOptions {
  /** Delay between the first queued event and the write (ms). */
  flushDelayMs?: number;
  /** Events queued beyond this are dropped until the next write. */
  maxQueued?: number;
  now?: () => number;
  /** Told about a failed write (the batch is dropped); defaults to ignoring it. */
  onError?: (error: unknown) => void;
}

const COLUMNS = "id, ts, actor, action, key_prefix, target, reason, status, request_id";

export class SqliteAuditStore implements AuditStore {
  private queue: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private droppedCount = 0;
  private readonly flushDelayMs: number;
  private readonly maxQueued: number;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private readonly insertAll: SqliteTransaction<[events: AuditEvent[]]>;
  private readonly select: { all: SqliteStatement; byAction: SqliteStatement };

  constructor(db: SqliteDatabase, options: SqliteAuditStoreOptions = {}) {
    this.flushDelayMs = options.flushDelayMs ?? 100;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
    migrate(db, "audit_events", AUDIT_MIGRATIONS);
    const insert = db.prepare(`INSERT INTO audit_events (${COLUMNS}) VALUES (@id, @ts, @actor, @action, @key_prefix, @target, @reason, @status, @request_id)`);
    this.insertAll = db.transaction((events: AuditEvent[]) => {
      for (const event of events) insert.run(event);
    });
    this.select = {
      all: db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE ts < ? ORDER BY ts DESC, seq DESC LIMIT ?`),
      byAction: db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE action = ? AND ts < ? ORDER BY ts DESC, seq DESC LIMIT ?`),
    };
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
    this.timer ??= setTimeout(() => this.flush(), this.flushDelayMs).unref();
    return { ...event };
  }

  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    this.flush();
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const limit = auditLimit(query.limit);
    const rows = query.action === undefined ? this.select.all.all(before, limit) : this.select.byAction.all(query.action, before, limit);
    return rows as AuditEvent[];
  }

  /** Writes the queue now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.insertAll(batch);
    } catch (error) {
      this.droppedCount += batch.length;
      this.onError(error);
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }
}
