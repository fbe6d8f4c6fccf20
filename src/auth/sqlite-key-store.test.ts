import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqlite, type SqliteDatabase } from "../storage/sqlite.js";
import { KEY_MIGRATIONS, SqliteKeyStore } from "./sqlite-key-store.js";
import { migrate } from "./sqlite-migrations.js";
import { SqliteAuditStore } from "./sqlite-audit-store.js";

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.reverse()) fn();
  cleanup = [];
});

function database(filename = ":memory:"): SqliteDatabase {
  const db = openSqlite(filename);
  cleanup.push(() => db.close());
  return db;
}

describe("SqliteKeyStore storage", () => {
  it("stores only the hash: the secret is in no column of any row", () => {
    const db = database();
    const store = new SqliteKeyStore(db);
    const { key, secret } = store.create({ name: "ci", metadata: { note: "x" } });
    const rows = db.prepare("SELECT * FROM virtual_keys").all() as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.hash).toBe(key.hash);
    expect(row.prefix).toBe(secret.slice(0, 10));
    for (const value of Object.values(row)) {
      // Anything beyond the 10-character display prefix would be a leak.
      expect(String(value)).not.toContain(secret.slice(6));
      expect(String(value)).not.toContain(secret.slice(10, 20));
    }
  });

  it("enforces a unique hash", () => {
    const db = database();
    const store = new SqliteKeyStore(db);
    const { key } = store.create({ name: "a" });
    expect(() => db.prepare("INSERT INTO virtual_keys (id, name, prefix, hash, created_at, updated_at) VALUES ('key_dup', 'b', 'p', ?, 1, 1)").run(key.hash))
      .toThrow(/UNIQUE/);
    const indexes = db.prepare("SELECT name, \"unique\" AS is_unique FROM pragma_index_list('virtual_keys')").all();
    expect(indexes).toContainEqual({ name: "virtual_keys_hash", is_unique: 1 });
  });

  it("survives SQL injection attempts: the table is intact afterwards", () => {
    const db = database();
    const store = new SqliteKeyStore(db);
    const text = "'); DROP TABLE virtual_keys; --";
    store.create({ name: text, metadata: { [text]: text } });
    store.findByHash(text);
    store.get(`' OR '1'='1`);
    expect(store.list().map((k) => k.name)).toEqual([text]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'virtual_keys'").get()).toEqual({ n: 1 });
  });
});

describe("migrations", () => {
  it("are idempotent and recorded per component in auth_migrations", () => {
    const db = database();
    expect(migrate(db, "virtual_keys", KEY_MIGRATIONS)).toBe(1);
    expect(migrate(db, "virtual_keys", KEY_MIGRATIONS)).toBe(0);
    new SqliteKeyStore(db);
    new SqliteKeyStore(db);
    new SqliteAuditStore(db).close();
    const rows = db.prepare("SELECT component, version, name FROM auth_migrations ORDER BY component").all();
    expect(rows).toEqual([
      { component: "audit_events", version: 1, name: "create audit_events" },
      { component: "virtual_keys", version: 1, name: "create virtual_keys" },
    ]);
  });

  it("keeps data across reopening a file database", () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-auth-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "switchyard.db");
    const first = openSqlite(file);
    const { key } = new SqliteKeyStore(first).create({ name: "persisted" });
    first.close();
    const second = database(file);
    expect(new SqliteKeyStore(second).findByHash(key.hash)).toEqual(key);
  });

  it("applies only newer migrations, and refuses a database from a newer version", () => {
    const db = database();
    migrate(db, "test", [{ version: 1, name: "one", sql: "CREATE TABLE t (a INTEGER)" }]);
    expect(migrate(db, "test", [
      { version: 2, name: "two", sql: "ALTER TABLE t ADD COLUMN b INTEGER" },
      { version: 1, name: "one", sql: "CREATE TABLE t (a INTEGER)" },
    ])).toBe(1);
    expect(() => migrate(db, "test", [{ version: 1, name: "one", sql: "" }])).toThrow(/version 2, newer than this Switchyard knows \(1\)/);
  });

  it("rolls back a failing migration entirely", () => {
    const db = database();
    expect(() => migrate(db, "broken", [
      { version: 1, name: "ok", sql: "CREATE TABLE fine (a INTEGER)" },
      { version: 2, name: "bad", sql: "CREATE TABLE nope (" },
    ])).toThrow();
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'fine'").get()).toEqual({ n: 0 });
    expect(db.prepare("SELECT COUNT(*) AS n FROM auth_migrations WHERE component = 'broken'").get()).toEqual({ n: 0 });
  });

  it("shares one handle with the ledger, leaving its schema_migrations table alone", () => {
    const db = database();
    // The ledger's bookkeeping shape (src/accounting/sqlite-migrations.ts): one version per row, no component.
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    db.prepare("INSERT INTO schema_migrations VALUES (1, 'ledger', 0)").run();
    new SqliteKeyStore(db).create({ name: "a" });
    new SqliteAuditStore(db).close();
    expect(db.prepare("SELECT version, name FROM schema_migrations").all()).toEqual([{ version: 1, name: "ledger" }]);
  });
});
