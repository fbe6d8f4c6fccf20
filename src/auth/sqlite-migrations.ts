/**
 * Versioned schema migrations for the auth tables, tracked per component in
 * `auth_migrations (component, version)`. Auth keeps its own bookkeeping
 * table so it never depends on the shape another component (the ledger)
 * gives a shared `schema_migrations` table on the same database.
 */
import type { SqliteDatabase } from "../storage/sqlite.js";

export interface Migration {
  /** 1, 2, 3, ... in order; never renumber or edit a released migration, add a new one. */
  version: number;
  name: string;
  sql: string;
}

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS auth_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL,
  PRIMARY KEY (component, version)
) STRICT`;

/**
 * Applies the migrations of `component` not yet applied, all in one
 * transaction (all or none), and returns how many ran. Idempotent; safe when
 * two processes start at once (the check-and-apply runs under BEGIN
 * IMMEDIATE, so the second waits and then finds nothing to do). Refuses a
 * database migrated by a newer Switchyard rather than misreading it.
 */
export function migrate(db: SqliteDatabase, component: string, migrations: readonly Migration[]): number {
  db.exec(BOOKKEEPING);
  const latest = db.prepare("SELECT MAX(version) AS version FROM auth_migrations WHERE component = ?");
  const record = db.prepare("INSERT INTO auth_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)");
  const known = Math.max(0, ...migrations.map((m) => m.version));
  let applied = 0;
  const run = db.transaction(() => {
    const current = (latest.get(component) as { version: number | null }).version ?? 0;
    if (current > known) {
      throw new Error(`Database schema for '${component}' is at version ${current}, newer than this Switchyard knows (${known}); upgrade Switchyard`);
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(component, migration.version, migration.name, Date.now());
      applied++;
    }
  });
  run.immediate();
  return applied;
}
