/**
 * Audit events in SQLite, on a database handle the caller owns (shared with
 * the key store). Queued as `QueuedAuditStore` describes; each batch is
 * written in one transaction.
 */
import { auditLimit, type AuditEvent, type AuditQuery } from "./audit-log.js";
import { QueuedAuditStore, type AuditQueueOptions } from "./audit-queue.js";
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

export type SqliteAuditStoreOptions = AuditQueueOptions;

const COLUMNS = "id, ts, actor, action, key_prefix, target, reason, status, request_id";

export class SqliteAuditStore extends QueuedAuditStore {
  private readonly insertAll: SqliteTransaction<[events: AuditEvent[]]>;
  private readonly select: { all: SqliteStatement; byAction: SqliteStatement };

  constructor(db: SqliteDatabase, options: SqliteAuditStoreOptions = {}) {
    super(options);
    migrate(db, "audit_events", AUDIT_MIGRATIONS);
    const insert = db.prepare(`INSERT INTO audit_events (${COLUMNS}) VALUES (@id, @ts, @actor, @action, @key_prefix, @target, @reason, @status, @request_id)`);
    this.insertAll = db.transaction((events: AuditEvent[]) => {
      for (const event of events) insert.run(event);
    });
    // An unknown before_id continues from the millisecond alone (no seq is below 0).
    const page = `ts <= @before AND (ts < @before OR seq < COALESCE((SELECT seq FROM audit_events WHERE id = @beforeId), 0))`;
    this.select = {
      all: db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE ${page} ORDER BY ts DESC, seq DESC LIMIT @limit`),
      byAction: db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE action = @action AND ${page} ORDER BY ts DESC, seq DESC LIMIT @limit`),
    };
  }

  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    this.flush();
    const page = { before: query.before ?? Number.MAX_SAFE_INTEGER, beforeId: query.beforeId ?? "", limit: auditLimit(query.limit) };
    const rows = query.action === undefined ? this.select.all.all(page) : this.select.byAction.all({ ...page, action: query.action });
    return rows as AuditEvent[];
  }

  /** Writes the queue now, in one transaction. */
  flush(): void {
    const batch = this.takeQueued();
    if (batch.length === 0) return;
    try {
      this.insertAll(batch);
    } catch (error) {
      this.lost(batch, error);
    }
  }
}
