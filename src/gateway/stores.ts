/**
 * Opens the stores behind `storage.url` and `state.url`: the ledger, virtual
 * keys, the audit log, and the state that budgets and rate limits share.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { LedgerStore } from "../accounting/ledger-store.js";
import { openLedgerStore } from "../accounting/open-store.js";
import type { AuditStore } from "../auth/audit-log.js";
import type { KeyStore } from "../auth/key-store.js";
import { MemoryAuditStore } from "../auth/memory-audit-store.js";
import { MemoryKeyStore } from "../auth/memory-key-store.js";
import { SqliteAuditStore } from "../auth/sqlite-audit-store.js";
import { openSqlite, type SqliteDatabase } from "../storage/sqlite.js";
import { SqliteKeyStore } from "../auth/sqlite-key-store.js";
import { openStateStore } from "../state/open-state.js";
import type { StateStore } from "../state/state-store.js";
import { within } from "../core/within.js";

/** How long `close()` waits for the PostgreSQL pool to end (its connections' queries to finish). */
const POOL_END_WAIT_MS = 1_000;

export interface Stores {
  ledger: LedgerStore;
  keys: KeyStore;
  audit: AuditStore;
  state: StateStore;
  close(): Promise<void>;
}

function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * `postgres://…`: the ledger, keys and audit log share one connection pool,
 * ended once by `close()` after each store has written what it queued.
 * `pg` is loaded only here.
 */
async function openPostgresStores(storageUrl: string, stateUrl: string, log: Logger, injected?: { state?: StateStore }): Promise<Stores> {
  const [postgres, { PostgresLedgerStore }, { PostgresKeyStore }, { PostgresAuditStore }] = await Promise.all([
    import("../storage/postgres.js"),
    import("../accounting/postgres-store.js"),
    import("../auth/postgres-key-store.js"),
    import("../auth/postgres-audit-store.js"),
  ]);
  // Messages only: a pg error object can carry connection details.
  const safe = (error: unknown) => postgres.postgresErrorMessage(error, storageUrl);
  const pool = postgres.createPostgresPool(storageUrl, { onError: (error) => log.error({ err: error.message }, "postgres connection error") });
  const ledger = new PostgresLedgerStore(pool);
  let keys: Awaited<ReturnType<typeof PostgresKeyStore.open>> | undefined;
  let audit: Awaited<ReturnType<typeof PostgresAuditStore.open>>;
  try {
    await ledger.migrate();
    keys = await PostgresKeyStore.open(pool, { onError: (error) => log.error({ err: safe(error) }, "virtual key store error") });
    audit = await PostgresAuditStore.open(pool, { onError: (error) => log.error({ err: safe(error) }, "audit log write failed") });
  } catch (error) {
    keys?.close();
    await pool.end().catch(() => undefined);
    throw new Error(`storage.url: cannot open the PostgreSQL storage: ${safe(error)}`);
  }
  let state: StateStore;
  try {
    state = await openState(stateUrl, log, injected);
  } catch (error) {
    keys.close();
    await pool.end().catch(() => undefined);
    throw error;
  }
  return {
    ledger,
    keys,
    audit,
    state,
    async close() {
      audit.close();
      keys.close();
      await audit.flush();
      await keys.flush().catch(() => undefined);
      await state.close();
      await ledger.close();
      // Everything is stored or saved to a file by now; a query hung on a dead connection must not hold the exit.
      await within(POOL_END_WAIT_MS, pool.end());
    },
  };
}

/** The injected state store (tests, embedding), else the one `state.url` names, its errors logged. */
async function openState(stateUrl: string, log: Logger, injected?: { state?: StateStore }): Promise<StateStore> {
  return injected?.state ?? (await openStateStore(stateUrl, { onError: (error) => log.error({ err: String(error) }, "state store error"), log }));
}

function sqlitePath(url: string): string | undefined {
  if (url === "sqlite::memory:" || url === "sqlite://:memory:") return ":memory:";
  if (!url.startsWith("sqlite://")) return undefined;
  return decodeURIComponent(url.slice("sqlite://".length));
}

export async function openStores(storageUrl: string, stateUrl: string, log: Logger, injected?: { state?: StateStore }): Promise<Stores> {
  if (isPostgresUrl(storageUrl)) return openPostgresStores(storageUrl, stateUrl, log, injected);
  const ledger = await openLedgerStore(storageUrl);
  const path = sqlitePath(storageUrl);
  let db: SqliteDatabase | undefined;
  let keys: KeyStore;
  let audit: AuditStore;
  if (path !== undefined) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = openSqlite(path);
    keys = new SqliteKeyStore(db);
    audit = new SqliteAuditStore(db, { onError: (error) => log.error({ err: String(error) }, "audit log write failed") });
  } else {
    keys = new MemoryKeyStore();
    audit = new MemoryAuditStore();
  }
  let state: StateStore;
  try {
    state = await openState(stateUrl, log, injected);
  } catch (error) {
    // No Stores come back to close: the SQLite connections opened above are closed here.
    audit.close();
    keys.close();
    db?.close();
    await ledger.close().catch(() => undefined);
    throw error;
  }
  return {
    ledger,
    keys,
    audit,
    state,
    async close() {
      audit.close();
      keys.close();
      db?.close();
      await state.close();
      await ledger.close();
    },
  };
}
