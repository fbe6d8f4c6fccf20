/**
 * Virtual keys in SQLite (better-sqlite3). The caller passes the database
 * handle, so the keys can live in the same file as the ledger; this store
 * migrates only its own table and never closes the handle.
 *
 * ```ts
 * const db = openSqlite("./switchyard.db");
 * const keys = new SqliteKeyStore(db);
 * const { key, secret } = keys.create({ name: "ci" });
 * ```
 */
import type { KeyCreateInput, KeyPatch } from "./key-input.js";
import { KEY_COLUMNS, keyToRow, type KeyRow } from "./key-row.js";
import { applyKeyPatch, copyKey, newVirtualKey } from "./key-record.js";
import { KeyChangeListeners, type KeyChangeListener, type KeyStore, type KeyStoreOptions } from "./key-store.js";
import type { SqliteDatabase, SqliteStatement, SqliteTransaction } from "../storage/sqlite.js";
import { migrate, type Migration } from "./sqlite-migrations.js";
import type { BudgetPeriod, KeyMetadata, VirtualKey } from "./virtual-key.js";

export const KEY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "create virtual_keys",
    sql: `
      CREATE TABLE virtual_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL,
        models TEXT NOT NULL DEFAULT '[]',
        rpm INTEGER,
        tpm INTEGER,
        budget_usd REAL,
        budget_period TEXT CHECK (budget_period IN ('daily', 'weekly', 'monthly', 'total')),
        expires_at INTEGER,
        metadata TEXT NOT NULL DEFAULT '{}',
        log_prompts INTEGER NOT NULL DEFAULT 0 CHECK (log_prompts IN (0, 1)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX virtual_keys_hash ON virtual_keys (hash);
    `,
  },
];

/** A `virtual_keys` row here: 0/1 for the boolean. */
type SqliteKeyRow = KeyRow<number>;

export class SqliteKeyStore implements KeyStore {
  private readonly now: () => number;
  private readonly listeners = new KeyChangeListeners();
  private readonly statements: {
    insert: SqliteStatement;
    byHash: SqliteStatement;
    byId: SqliteStatement;
    all: SqliteStatement;
    update: SqliteStatement;
    revoke: SqliteStatement;
  };
  /** Read-modify-write in one transaction, so two concurrent PATCHes cannot interleave. */
  private readonly updateInTransaction: SqliteTransaction<[id: string, patch: KeyPatch, result: { key?: VirtualKey }]>;

  constructor(db: SqliteDatabase, options: KeyStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    migrate(db, "virtual_keys", KEY_MIGRATIONS);
    this.statements = {
      insert: db.prepare(`INSERT INTO virtual_keys (${KEY_COLUMNS}) VALUES (@id, @name, @prefix, @hash, @models, @rpm, @tpm, @budget_usd, @budget_period, @expires_at, @metadata, @log_prompts, @created_at, @updated_at, @revoked_at)`),
      byHash: db.prepare(`SELECT ${KEY_COLUMNS} FROM virtual_keys WHERE hash = ?`),
      byId: db.prepare(`SELECT ${KEY_COLUMNS} FROM virtual_keys WHERE id = ?`),
      all: db.prepare(`SELECT ${KEY_COLUMNS} FROM virtual_keys ORDER BY created_at, rowid`),
      update: db.prepare(`UPDATE virtual_keys SET name = @name, models = @models, rpm = @rpm, tpm = @tpm, budget_usd = @budget_usd,
        budget_period = @budget_period, expires_at = @expires_at, metadata = @metadata, log_prompts = @log_prompts, updated_at = @updated_at
        WHERE id = @id`),
      revoke: db.prepare("UPDATE virtual_keys SET revoked_at = @now, updated_at = @now WHERE id = @id AND revoked_at IS NULL"),
    };
    this.updateInTransaction = db.transaction((id: string, patch: KeyPatch, result: { key?: VirtualKey }) => {
      const current = this.get(id);
      if (!current) return;
      const next = applyKeyPatch(current, patch, this.now());
      const row = toRow(next);
      this.statements.update.run({
        id: row.id, name: row.name, models: row.models, rpm: row.rpm, tpm: row.tpm, budget_usd: row.budget_usd,
        budget_period: row.budget_period, expires_at: row.expires_at, metadata: row.metadata, log_prompts: row.log_prompts, updated_at: row.updated_at,
      });
      result.key = next;
    });
  }

  create(input: KeyCreateInput): { key: VirtualKey; secret: string } {
    const { key, secret } = newVirtualKey(input, this.now());
    this.statements.insert.run(toRow(key));
    this.listeners.emit(copyKey(key));
    return { key, secret };
  }

  findByHash(hash: string): VirtualKey | undefined {
    return this.one(this.statements.byHash, hash);
  }

  get(id: string): VirtualKey | undefined {
    return this.one(this.statements.byId, id);
  }

  list(): VirtualKey[] {
    return (this.statements.all.all() as SqliteKeyRow[]).map(fromRow);
  }

  update(id: string, patch: KeyPatch): VirtualKey | undefined {
    const result: { key?: VirtualKey } = {};
    this.updateInTransaction(id, patch, result);
    if (result.key) this.listeners.emit(copyKey(result.key));
    return result.key;
  }

  revoke(id: string): boolean {
    const { changes } = this.statements.revoke.run({ id, now: this.now() });
    if (changes === 0) return false;
    const key = this.get(id);
    if (key) this.listeners.emit(key);
    return true;
  }

  onChange(listener: KeyChangeListener): () => void {
    return this.listeners.add(listener);
  }

  close(): void {
    this.listeners.clear();
  }

  private one(statement: SqliteStatement, value: string): VirtualKey | undefined {
    // Non-strings (a number from a parsed body, say) would be bound as numbers; they match nothing.
    if (typeof value !== "string") return undefined;
    const row = statement.get(value) as SqliteKeyRow | undefined;
    return row && fromRow(row);
  }
}

function toRow(key: VirtualKey): SqliteKeyRow {
  return keyToRow(key, (on) => (on ? 1 : 0));
}

function fromRow(row: SqliteKeyRow): VirtualKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    models: JSON.parse(row.models) as string[],
    rpm: row.rpm,
    tpm: row.tpm,
    budget_usd: row.budget_usd,
    budget_period: row.budget_period as BudgetPeriod | null,
    expires_at: row.expires_at,
    metadata: JSON.parse(row.metadata) as KeyMetadata,
    log_prompts: row.log_prompts === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
    revoked_at: row.revoked_at,
  };
}
