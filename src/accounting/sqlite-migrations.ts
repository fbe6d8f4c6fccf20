/**
 * Versioned SQLite schema. Append new migrations; never edit an applied one.
 * Each runs once, inside the same transaction that records it in
 * `schema_migrations`, so a crash mid-migration leaves nothing half-applied.
 */
import type { SqliteDatabase } from "../storage/sqlite.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "ledger",
    sql: `
      CREATE TABLE ledger (
        id                 TEXT    PRIMARY KEY,
        ts                 INTEGER NOT NULL,
        key_id             TEXT,
        requested_model    TEXT    NOT NULL,
        provider           TEXT    NOT NULL,
        model              TEXT    NOT NULL,
        status             INTEGER NOT NULL,
        error_kind         TEXT,
        attempts           INTEGER NOT NULL,
        route              TEXT    NOT NULL,
        stream             INTEGER NOT NULL,
        input_tokens       INTEGER NOT NULL,
        cached_tokens      INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL,
        output_tokens      INTEGER NOT NULL,
        reasoning_tokens   INTEGER NOT NULL,
        cost_usd           REAL,
        unpriced           INTEGER NOT NULL,
        estimated          INTEGER NOT NULL,
        price_version      TEXT    NOT NULL,
        latency_ms         INTEGER NOT NULL,
        ttft_ms            INTEGER
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
    // through ledger_ts); each cost every insert, most with many keys and models: 13 against
    // 4 µs a row in SQLite with 50 keys and 7 models (bench/optimizations.md).
    version: 3,
    name: "ledger drops the key and model indexes",
    sql: `DROP INDEX IF EXISTS ledger_key_id_ts; DROP INDEX IF EXISTS ledger_model_ts;`,
  },
];

/** Applies the migrations not yet recorded; returns the versions it applied. */
export function applyMigrations(db: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied: number[] = [];
  const isApplied = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const run = db.transaction(() => {
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (isApplied.get(migration.version)) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now());
      applied.push(migration.version);
    }
  });
  // Checked inside a write transaction, so two processes starting together cannot both apply one.
  run.immediate();
  return applied;
}
