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
    this.select = {
      all: db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE ts < ? ORDER BY ts DESC, seq DESC LIMIT ?`),
      byAction: db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE action = ? AND ts < ? ORDER BY ts DESC, seq DESC LIMIT ?`),
    };
  }

  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    this.flush();
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const limit = auditLimit(query.limit);
    const rows = query.action === undefined ? this.select.all.all(before, limit) : this.select.byAction.all(query.action, before, limit);
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
