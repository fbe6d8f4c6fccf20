/**
 * PostgreSQL-only behaviour of the key store (the shared contract runs in
 * key-store.test.ts): what reaches the database, several instances sharing
 * it, refresh, and failed writes. Skipped, with a warning, without a server.
 */
import type pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { postgresAvailable, testSchemas, type TestSchema } from "../../test/helpers/postgres.js";
import { KeyAuthenticator } from "./key-authenticator.js";
import { PostgresKeyStore, type PostgresKeyStoreOptions } from "./postgres-key-store.js";
import type { VirtualKey } from "./virtual-key.js";

const available = await postgresAvailable();
const schemas = testSchemas();
afterAll(() => schemas.dropAll());

/** A store on its own pool (one "instance"); refresh only on demand unless asked. */
async function instance(schema: TestSchema, options: PostgresKeyStoreOptions = {}): Promise<{ store: PostgresKeyStore; pool: pg.Pool; errors: unknown[] }> {
  const errors: unknown[] = [];
  const pool = schema.pool();
  const store = await PostgresKeyStore.open(pool, { refreshIntervalMs: 0, onError: (error) => errors.push(error), ...options });
  schemas.onCleanup(async () => {
    await store.flush().catch(() => undefined);
    store.close();
  });
  return { store, pool, errors };
}

const INJECTIONS = ["'; DROP TABLE virtual_keys; --", "x' OR '1'='1", "\" OR 1=1 --", "$1 $2", "'); DELETE FROM switchyard_migrations; --", "\\u0000 escaped"];

describe.skipIf(!available)("PostgresKeyStore", () => {
  it("persists creates, updates and revocations: a fresh instance loads the same keys", async () => {
    const schema = await schemas.create();
    let clock = 1_000;
    const { store } = await instance(schema, { now: () => clock });
    const a = store.create({ name: "a", models: ["smart", "openai/*"], rpm: 10, tpm: 1000, budget_usd: 2.5, budget_period: "weekly", expires_at: 9_999_999_999_999, metadata: { team: "x", n: 1.5, on: true }, log_prompts: true }).key;
    clock = 2_000;
    const b = store.create({ name: "b" }).key;
    clock = 3_000;
    store.update(a.id, { name: "a2", rpm: null, metadata: { team: "y" } });
    clock = 4_000;
    store.revoke(b.id);
    await store.flush();
    const { store: fresh } = await instance(schema);
    expect(fresh.list()).toEqual(store.list());
    expect(fresh.get(a.id)).toEqual({ ...a, name: "a2", rpm: null, metadata: { team: "y" }, updated_at: 3_000 });
    expect(fresh.findByHash(b.hash)).toMatchObject({ revoked_at: 4_000, updated_at: 4_000 });
  });

  it("stores SQL-looking text in names, models and metadata verbatim in the database", async () => {
    const schema = await schemas.create();
    const { store, pool } = await instance(schema);
    const created = INJECTIONS.map((text) => store.create({ name: text, models: [text, `${text}\u0000`], metadata: { [text]: text, nul: "a\u0000b" } }).key);
    await store.flush();
    const { store: fresh } = await instance(schema);
    for (const key of created) expect(fresh.get(key.id)).toEqual(key);
    const { rows } = await pool.query<{ n: string }>("SELECT COUNT(*) AS n FROM virtual_keys");
    expect(Number(rows[0]!.n)).toBe(INJECTIONS.length);
  });

  it("creates the table once when instances start together", async () => {
    const schema = await schemas.create();
    await Promise.all([instance(schema), instance(schema), instance(schema)]);
    const { rows } = await schema.pool().query("SELECT component, version FROM switchyard_migrations");
    expect(rows).toEqual([{ component: "virtual_keys", version: 1 }]);
  });

  it("a revoke on one instance is refused by another after refresh(), and its listeners hear of it", async () => {
    const schema = await schemas.create();
    const { store: one } = await instance(schema);
    const { store: two } = await instance(schema);
    const heard: Array<Pick<VirtualKey, "id" | "revoked_at">> = [];
    two.onChange((key) => heard.push({ id: key.id, revoked_at: key.revoked_at }));
    const auth = new KeyAuthenticator({ store: two });

    const { key, secret } = one.create({ name: "shared" });
    await one.flush();
    expect(() => auth.authenticate({ "x-api-key": secret })).toThrow("Invalid API key");
    await two.refresh();
    expect(two.findByHash(key.hash)).toEqual(key);
    expect(heard).toEqual([{ id: key.id, revoked_at: null }]);
    // The authenticator's negative cache was invalidated by the change event.
    expect(auth.authenticate({ "x-api-key": secret }).kind).toBe("virtual");

    expect(one.revoke(key.id)).toBe(true);
    await one.flush();
    // Still cached as valid on the other instance until it refreshes.
    expect(auth.authenticate({ "x-api-key": secret }).kind).toBe("virtual");
    await two.refresh();
    expect(two.get(key.id)?.revoked_at).toBe(one.get(key.id)?.revoked_at);
    expect(heard.at(-1)).toEqual({ id: key.id, revoked_at: one.get(key.id)!.revoked_at });
    expect(() => auth.authenticate({ "x-api-key": secret })).toThrow("This API key has been revoked");
    expect(two.revoke(key.id)).toBe(false);

    // Rows already seen are not announced again.
    const before = heard.length;
    await two.refresh();
    await one.refresh();
    expect(heard).toHaveLength(before);
    auth.close();
  });

  it("picks up other instances' changes by itself every refreshIntervalMs", async () => {
    const schema = await schemas.create();
    const { store: one } = await instance(schema);
    const { store: two } = await instance(schema, { refreshIntervalMs: 50 });
    const { key } = one.create({ name: "polled" });
    await one.flush();
    await vi.waitFor(() => expect(two.get(key.id)).toEqual(key), { timeout: 5000, interval: 20 });
    one.revoke(key.id);
    await one.flush();
    await vi.waitFor(() => expect(two.get(key.id)?.revoked_at).not.toBeNull(), { timeout: 5000, interval: 20 });
  });

  it("sees changes stamped by the database clock, whatever each instance's clock says", async () => {
    const schema = await schemas.create();
    // Instance one's clock is far behind instance two's.
    const { store: one } = await instance(schema, { now: () => 1 });
    const { store: two } = await instance(schema, { now: () => Date.now() + 86_400_000 });
    two.create({ name: "from two" });
    await two.flush();
    await one.refresh();
    const { key } = one.create({ name: "from one" });
    await one.flush();
    await two.refresh();
    expect(two.get(key.id)).toEqual(key);
  });

  it("concurrent updates of different fields on two instances both stay; a revoke is never undone", async () => {
    const schema = await schemas.create();
    const { store: one } = await instance(schema);
    const { store: two } = await instance(schema);
    const { key } = one.create({ name: "k", rpm: 1 });
    await one.flush();
    await two.refresh();
    one.update(key.id, { name: "renamed" });
    two.update(key.id, { rpm: 99 });
    await Promise.all([one.flush(), two.flush()]);
    await Promise.all([one.refresh(), two.refresh()]);
    expect(one.get(key.id)).toMatchObject({ name: "renamed", rpm: 99 });
    expect(two.get(key.id)).toMatchObject({ name: "renamed", rpm: 99 });

    // two has not seen the revocation yet and patches the key: the revocation stays.
    one.revoke(key.id);
    await one.flush();
    two.update(key.id, { tpm: 5 });
    await two.flush();
    await Promise.all([one.refresh(), two.refresh()]);
    expect(two.get(key.id)).toMatchObject({ tpm: 5, revoked_at: one.get(key.id)!.revoked_at });
    expect(one.get(key.id)).toMatchObject({ tpm: 5 });
  });

  it("a refresh does not roll back a local change whose write is still in flight", async () => {
    const schema = await schemas.create();
    const { store } = await instance(schema);
    const { key } = store.create({ name: "before" });
    await store.flush();
    store.update(key.id, { name: "after" });
    await store.refresh();
    expect(store.get(key.id)?.name).toBe("after");
    await store.flush();
    await store.refresh();
    expect(store.get(key.id)?.name).toBe("after");
  });

  it("adopt() takes in another process's stored change at once, and a refresh already under way does not undo it", async () => {
    const schema = await schemas.create();
    const { store: writer } = await instance(schema);
    const { store: reader } = await instance(schema);
    const heard: string[] = [];
    reader.onChange((key) => heard.push(`${key.name}:${key.revoked_at === null ? "live" : "revoked"}`));
    const { key } = writer.create({ name: "relayed" });
    await writer.flush();
    reader.adopt(key.id, writer.get(key.id)!);
    expect(reader.findByHash(key.hash)?.id).toBe(key.id);

    // A refresh that read the row before the revocation landed finishes after it was adopted.
    const { pool } = await instance(schema);
    const query = pool.query.bind(pool);
    const stale = await query(`SELECT * FROM virtual_keys WHERE id = $1`, [key.id]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = vi.spyOn((reader as unknown as { pool: pg.Pool }).pool, "query").mockImplementation((async (text: string, values?: unknown[]) => {
      if (text.includes("changed_at >")) {
        await gate;
        return stale;
      }
      return query(text, values);
    }) as never);
    const refreshing = reader.refresh();
    writer.revoke(key.id);
    await writer.flush();
    reader.adopt(key.id, writer.get(key.id)!);
    release();
    await refreshing;
    slow.mockRestore();
    expect(reader.findByHash(key.hash)?.revoked_at).not.toBeNull();

    // A key whose creation failed elsewhere is relayed as gone.
    const ghost = writer.create({ name: "ghost" }).key;
    reader.adopt(ghost.id, ghost);
    reader.adopt(ghost.id, null);
    expect(reader.get(ghost.id)).toBeUndefined();
    expect(heard).toEqual(["relayed:live", "relayed:revoked", "ghost:live", "ghost:live"]);
  });

  it("a failed write rejects flush(), is reported, and leaves no key that exists nowhere", async () => {
    const schema = await schemas.create();
    const { store, pool, errors } = await instance(schema);
    const heard: string[] = [];
    store.onChange((key) => heard.push(key.name));
    await pool.end();
    const { key } = store.create({ name: "lost" });
    expect(store.get(key.id)).toBeDefined();
    await expect(store.flush()).rejects.toThrow(/pool after calling end/);
    expect(errors).toHaveLength(1);
    expect(store.get(key.id)).toBeUndefined();
    expect(store.findByHash(key.hash)).toBeUndefined();
    expect(heard).toEqual(["lost", "lost"]);
    // Later writes are reported to their own flush, not to every flush after.
    await expect(store.flush()).resolves.toBeUndefined();
  });

  it("a revocation whose write failed can be repeated, and the next refresh restores the database's view", async () => {
    const schema = await schemas.create();
    const { store: writer } = await instance(schema);
    const { key } = writer.create({ name: "k" });
    await writer.flush();
    const { store, pool } = await instance(schema);
    const query = vi.spyOn(pool, "query").mockRejectedValue(Object.assign(new Error("connection lost"), { code: "ECONNRESET" }) as never);
    expect(store.revoke(key.id)).toBe(true);
    await expect(store.flush()).rejects.toThrow("connection lost");
    // Locally it stays revoked (fail closed) and a retry writes again.
    expect(store.get(key.id)?.revoked_at).not.toBeNull();
    query.mockRestore();
    expect(store.revoke(key.id)).toBe(true);
    await store.flush();
    await writer.refresh();
    expect(writer.get(key.id)?.revoked_at).not.toBeNull();

    // An update that failed is replaced by the database's row at the next refresh.
    const failing = vi.spyOn(pool, "query").mockRejectedValue(Object.assign(new Error("connection lost"), { code: "ECONNRESET" }) as never);
    store.update(key.id, { name: "not stored" });
    await expect(store.flush()).rejects.toThrow("connection lost");
    failing.mockRestore();
    await store.refresh();
    expect(store.get(key.id)?.name).toBe("k");
  });

  it("refuses a NUL character in a name with a 400 (PostgreSQL text cannot hold it)", async () => {
    const { store } = await instance(await schemas.create());
    expect(() => store.create({ name: "a\u0000b" })).toThrow(expect.objectContaining({ status: 400, message: "name: must not contain NUL characters" }));
    expect(store.list()).toEqual([]);
  });
});
