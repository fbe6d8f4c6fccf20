/**
 * The slice of better-sqlite3 (v12, no bundled type declarations) the ledger
 * uses, typed here instead of adding @types. Loaded on demand so memory-only
 * setups never load the native addon.
 */
import { createRequire } from "node:module";

export type SqliteValue = number | string | bigint | Buffer | null;
export type SqliteParams = Record<string, SqliteValue>;

export interface SqliteStatement {
  run(...params: Array<SqliteValue | SqliteParams>): { changes: number };
  get(...params: Array<SqliteValue | SqliteParams>): unknown;
  all(...params: Array<SqliteValue | SqliteParams>): unknown[];
}

export interface SqliteTransaction<Args extends unknown[]> {
  (...args: Args): void;
  /** BEGIN IMMEDIATE: takes the write lock up front (no upgrade deadlocks between processes). */
  immediate(...args: Args): void;
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<Args extends unknown[]>(fn: (...args: Args) => void): SqliteTransaction<Args>;
  close(): void;
  readonly open: boolean;
}

type SqliteConstructor = new (filename: string, options?: { timeout?: number }) => SqliteDatabase;

let driver: SqliteConstructor | undefined;

/** Opens a database file (or ":memory:"). */
export function openSqlite(filename: string): SqliteDatabase {
  driver ??= createRequire(import.meta.url)("better-sqlite3") as SqliteConstructor;
  // `timeout` is the busy timeout: wait for another process's write lock instead of failing.
  return new driver(filename, { timeout: 5000 });
}
