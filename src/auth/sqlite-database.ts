/**
 * The part of a better-sqlite3 `Database` the auth stores use. The package
 * ships no type declarations (and @types/better-sqlite3 is not a dependency),
 * so this structural type is what the stores accept: any better-sqlite3@12
 * handle satisfies it. It is deliberately no wider than the ledger's
 * `SqliteDatabase` (src/accounting/sqlite-driver.ts), so a handle opened by
 * either module can be passed to the other.
 */
import { createRequire } from "node:module";

export interface SqliteRunResult {
  changes: number;
}

export interface SqliteStatement {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A function wrapped by `db.transaction`: runs in BEGIN … COMMIT, `.immediate` in BEGIN IMMEDIATE; rolls back if it throws. */
export interface SqliteTransaction<Args extends unknown[]> {
  (...args: Args): void;
  immediate(...args: Args): void;
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  transaction<Args extends unknown[]>(fn: (...args: Args) => void): SqliteTransaction<Args>;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): void;
  readonly open: boolean;
}

type DatabaseConstructor = new (filename: string, options?: { timeout?: number }) => SqliteDatabase;

/**
 * Opens a database with better-sqlite3 (`":memory:"` for a private in-memory
 * one). File databases use WAL so readers never wait for the writer. The
 * caller owns the handle and closes it after every store using it.
 */
export function openSqliteDatabase(filename = ":memory:"): SqliteDatabase {
  const Database = createRequire(import.meta.url)("better-sqlite3") as DatabaseConstructor;
  // `timeout` is the busy timeout: wait for another connection's write lock instead of failing.
  const db = new Database(filename, { timeout: 5000 });
  if (filename !== ":memory:" && filename !== "") db.pragma("journal_mode = WAL");
  return db;
}
