/**
 * `storage.url` → a migrated ledger store.
 *
 * - `sqlite://./switchyard.db` (relative to the working directory), `sqlite:///abs/path.db`
 * - `sqlite::memory:` — SQLite without a file (tests, demos)
 * - `memory://` — plain in-process store
 * - `postgres://…` — not implemented yet
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { LedgerStore } from "./ledger-store.js";
import { MemoryLedgerStore } from "./memory-store.js";
import { SqliteLedgerStore } from "./sqlite-store.js";

export async function openLedgerStore(url: string): Promise<LedgerStore> {
  const store = createLedgerStore(url);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

function createLedgerStore(url: string): LedgerStore {
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
    throw new Error("storage.url: postgres:// is not supported yet; use sqlite://./switchyard.db (default) or memory://");
  }
  throw new Error(`storage.url: unsupported scheme ${scheme ? `"${scheme}:"` : "(none)"}; expected sqlite://<path>, sqlite::memory: or memory://`);
}
