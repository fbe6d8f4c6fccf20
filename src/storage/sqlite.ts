/**
 * What the SQLite stores (ledger, virtual keys, audit log) share: the slice of
 * a better-sqlite3 `Database` they use, and how a database is opened. The
 * package ships no type declarations (and @types/better-sqlite3 is not a
 * dependency), so this structural type stands for them: any better-sqlite3@12
 * handle satisfies it. Loaded on demand so memory-only setups never load the
 * native addon.
 */
import { closeSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { PRIVATE_FILE_MODE } from "../core/private-file.js";

export type SqliteValue = number | string | bigint | Buffer | null;
/** Named parameters: an object whose fields are `SqliteValue`s (an interface type, such as a row, has no index signature). */
export type SqliteParams = object;

export interface SqliteStatement {
  run(...params: Array<SqliteValue | SqliteParams>): { changes: number };
  get(...params: Array<SqliteValue | SqliteParams>): unknown;
  all(...params: Array<SqliteValue | SqliteParams>): unknown[];
}

/** A function wrapped by `db.transaction`: runs in BEGIN … COMMIT and rolls back if it throws. */
export interface SqliteTransaction<Args extends unknown[], Result = void> {
  (...args: Args): Result;
  /** BEGIN IMMEDIATE: takes the write lock up front (no upgrade deadlocks between processes). */
  immediate(...args: Args): Result;
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<Args extends unknown[], Result = void>(fn: (...args: Args) => Result): SqliteTransaction<Args, Result>;
  close(): void;
  readonly open: boolean;
}

type SqliteConstructor = new (filename: string, options?: { timeout?: number }) => SqliteDatabase;

let driver: SqliteConstructor | undefined;

/** How long one statement waits for another connection's write lock (a backup, another tool) before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 1_000;

/**
 * A new database is created readable by its owner only: it holds key names, spend and the audit
 * log (SQLite gives its -wal and -shm files the same mode). An existing file keeps its mode, and
 * may be read-only; any failure here is left for the driver to report in its own words.
 */
function createPrivately(filename: string): void {
  try {
    closeSync(openSync(filename, "wx", PRIVATE_FILE_MODE));
  } catch {
    // EEXIST above all.
  }
}

/**
 * Opens a database file, or a private in-memory one (`":memory:"`). File
 * databases use WAL so readers never wait for the writer. The caller owns the
 * handle and closes it after every store using it.
 */
export function openSqlite(filename = ":memory:"): SqliteDatabase {
  driver ??= createRequire(import.meta.url)("better-sqlite3") as SqliteConstructor;
  // `timeout` is the busy timeout: wait for another connection's write lock instead of failing.
  // The wait is synchronous (the whole event loop waits), so it is short: the ledger writer
  // retries a failed batch with backoff, and workers' own transactions hold the lock for ms.
  if (filename !== ":memory:" && filename !== "") createPrivately(filename);
  const db = new driver(filename, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  if (filename !== ":memory:" && filename !== "") db.pragma("journal_mode = WAL");
  return db;
}
