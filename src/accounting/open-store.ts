/**
 * `storage.url` → a migrated ledger store.
 *
 * - `sqlite://./switchyard.db` (relative to the working directory), `sqlite:///abs/path.db`
 * - `sqlite::memory:` — SQLite without a file (tests, demos)
 * - `memory://` — plain in-process store
 * - `postgres://…` / `postgresql://…` — PostgreSQL (several instances sharing
 *   one database); the store owns its connection pool and ends it on close
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { LedgerStore } from "./ledger-store.js";
import { MemoryLedgerStore } from "./memory-store.js";
import { SqliteLedgerStore } from "./sqlite-store.js";

export async function openLedgerStore(url: string): Promise<LedgerStore> {
  const store = await createLedgerStore(url);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    if (store instanceof MemoryLedgerStore || store instanceof SqliteLedgerStore) throw error;
    // The URL itself is never echoed: a postgres:// URL usually carries a password.
    const { postgresErrorMessage } = await import("../storage/postgres.js");
    throw new Error(`storage.url: cannot open the PostgreSQL ledger: ${postgresErrorMessage(error, url)}`);
  }
  return store;
}

async function createLedgerStore(url: string): Promise<LedgerStore> {
  if (url === "memory://" || url === "memory:") return new MemoryLedgerStore();
  if (url === "sqlite::memory:" || url === "sqlite://:memory:") return new SqliteLedgerStore(":memory:");
  if (url.startsWith("sqlite://")) {
    const path = decodeURIComponent(url.slice("sqlite://".length));
    if (!path) throw new Error("storage.url: expected a file after sqlite://, e.g. sqlite://./switchyard.db");
    mkdirSync(dirname(path), { recursive: true });
    return new SqliteLedgerStore(path);
  }
  // The URL itself is never echoed: a postgres:// URL usually carries a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") {
    // Loaded on demand: SQLite and memory setups never load pg.
    const [{ createPostgresPool }, { PostgresLedgerStore }] = await Promise.all([import("../storage/postgres.js"), import("./postgres-store.js")]);
    return new PostgresLedgerStore(createPostgresPool(url), { ownsPool: true });
  }
  throw new Error(`storage.url: unsupported scheme ${scheme ? `"${scheme}:"` : "(none)"}; expected sqlite://<path>, sqlite::memory:, memory:// or postgres://…`);
}
