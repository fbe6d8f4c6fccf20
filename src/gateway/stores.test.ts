/**
 * `storage.url: postgres://…` end to end: two gateways sharing one database
 * share keys (a revoke on one is refused by the other), the audit log and the
 * ledger. Skipped, with a warning, without the test PostgreSQL server. And a
 * failed open leaves no connection behind, whatever the storage.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { postgresAvailable, testSchemas } from "../../test/helpers/postgres.js";
import { PostgresLedgerStore } from "../accounting/postgres-store.js";
import { PostgresAuditStore } from "../auth/postgres-audit-store.js";
import { PostgresKeyStore } from "../auth/postgres-key-store.js";
import { createGateway, type Gateway } from "./gateway.js";
import { createLogger } from "./logger.js";
import { openStores } from "./stores.js";

const available = await postgresAvailable();
const schemas = testSchemas();
afterAll(() => schemas.dropAll());

const MASTER = "sk-master-test-0123456789";

describe("openStores with a postgres url", () => {
  it("fails clearly without echoing the url or its password", async () => {
    const attempt = openStores("postgres://switchyard:hunter2@127.0.0.1:1/switchyard", "memory://", createLogger("silent"));
    await expect(attempt).rejects.toThrow(/^storage\.url: cannot open the PostgreSQL storage: /);
    await expect(attempt).rejects.not.toThrow(/hunter2|switchyard:/);
  });
});

describe("openStores with a sqlite url", () => {
  it("closes the SQLite connections it opened when the state store cannot be opened", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { SqliteLedgerStore } = await import("../accounting/sqlite-store.js");
    const ledgerClose = vi.spyOn(SqliteLedgerStore.prototype, "close");
    const url = `sqlite://${join(mkdtempSync(join(tmpdir(), "sy-stores-")), "sy.db")}`;
    await expect(openStores(url, "redis://127.0.0.1:1/0", createLogger("silent"))).rejects.toThrow(/redis/i);
    expect(ledgerClose).toHaveBeenCalledTimes(1);
    ledgerClose.mockRestore();
  });
});

describe.skipIf(!available)("openStores with a postgres url (server)", () => {
  it("opens the ledger, keys and audit log on one pool and ends it once on close", async () => {
    const schema = await schemas.create();
    const stores = await openStores(schema.url, "memory://", createLogger("silent"));
    expect(stores.ledger).toBeInstanceOf(PostgresLedgerStore);
    expect(stores.keys).toBeInstanceOf(PostgresKeyStore);
    expect(stores.audit).toBeInstanceOf(PostgresAuditStore);
    const pool = (stores.ledger as unknown as { pool: { ended: boolean } }).pool;
    expect((stores.keys as unknown as { pool: unknown }).pool).toBe(pool);
    expect((stores.audit as unknown as { pool: unknown }).pool).toBe(pool);
    const { key } = stores.keys.create({ name: "k" });
    const event = stores.audit.record({ actor: "master", action: "key.created", target: key.id });
    await stores.close();
    expect(pool.ended).toBe(true);

    // What was queued at close() was written.
    const again = await openStores(schema.url, "memory://", createLogger("silent"));
    expect(again.keys.get(key.id)).toEqual(key);
    expect(await again.audit.list()).toEqual([event]);
    const { rows } = await schema.pool().query("SELECT component, version FROM switchyard_migrations ORDER BY component, version");
    expect(rows).toEqual([{ component: "audit_events", version: 1 }, { component: "ledger", version: 1 }, { component: "ledger", version: 2 }, { component: "ledger", version: 3 }, { component: "virtual_keys", version: 1 }]);
    await again.close();
  });

  it("two gateways on one database: a key created on one works on the other, and a revoke on one is refused by the other", async () => {
    const schema = await schemas.create();
    const config = { server: { master_key: MASTER }, storage: { url: schema.url } };
    const gateways: Gateway[] = await Promise.all([1, 2].map(() => createGateway({ config, logger: createLogger("silent") })));
    const [one, two] = gateways as [Gateway, Gateway];
    try {
      const created = (await one.admin("POST", "/admin/keys", { name: "shared" })) as { id: string; key: string };
      const models = (gateway: Gateway) => gateway.fetch("http://switchyard/v1/models", { headers: { authorization: `Bearer ${created.key}` } }).then((r) => r.status);
      expect(await models(one)).toBe(200);
      // The other instance picks the key up at its next refresh (every 2 s).
      await vi.waitFor(async () => expect(await models(two)).toBe(200), { timeout: 8000, interval: 100 });

      await one.admin("DELETE", `/admin/keys/${created.id}`);
      expect(await models(one)).toBe(401);
      await vi.waitFor(async () => expect(await models(two)).toBe(401), { timeout: 8000, interval: 100 });
      const refused = await two.fetch("http://switchyard/v1/models", { headers: { authorization: `Bearer ${created.key}` } });
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("key_revoked");

      // One audit log: each gateway lists the other's events.
      const audit = (await two.admin("GET", "/admin/audit")) as { data: Array<{ action: string; target: string | null }> };
      expect(audit.data.filter((e) => e.target === created.id).map((e) => e.action)).toEqual(["key.revoked", "key.created"]);
    } finally {
      await Promise.all(gateways.map((gateway) => gateway.close()));
    }
  }, 30_000);
});
