/**
 * `start --workers 2`: key limits hold across workers (state in the primary),
 * and a key created or revoked through one worker applies on every worker's next
 * request (SQLite, and PostgreSQL, whose key store answers from memory);
 * the gateway's exit code says whether every ledger row reached the store.
 */
import { spawn } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { postgresAvailable, testSchemas } from "./helpers/postgres.js";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());
const withPostgres = await postgresAvailable();
const schemas = testSchemas();
afterAll(() => schemas.dropAll());

interface Cluster {
  url: string;
  /** Everything the gateway wrote to stderr so far. */
  log(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `start --workers 2` with `config` (YAML) written in `dir`, run from `dir`; resolves once both workers listen. */
async function startCluster(dir: string, config: string): Promise<Cluster> {
  const file = join(dir, "switchyard.yaml");
  writeFileSync(file, config);
  const child = spawn(process.execPath, [resolve("bin/switchyard.js"), "start", "--config", file, "--port", "0", "--workers", "2"], { stdio: ["ignore", "ignore", "pipe"], cwd: dir });
  let log = "";
  child.stderr.on("data", (part: Buffer) => (log += part.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", done));
  const stop = () => {
    child.kill("SIGTERM");
    return exited;
  };
  try {
    await expect.poll(() => (log.match(/listening on/g) ?? []).length, { timeout: 15_000 }).toBe(2);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: /listening on (http:\/\/[\d.:]+)/.exec(log)![1]!, log: () => log, stop };
}

/** One request on a fresh connection, so the cluster spreads them across workers. */
function call(url: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, headers: { "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.on("data", (part) => (text += part));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || "{}") }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

it("holds a key's rate limit across workers and relays revokes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-cluster-"));
  const cluster = await startCluster(dir, `server: { master_key: "sy-master-cluster-test-000" }\nstorage: { url: "sqlite://${join(dir, "sy.db")}" }\nproviders:\n  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
  const { url } = cluster;
  try {
    const master = { authorization: "Bearer sy-master-cluster-test-000" };
    const created = await call(url, "POST", "/admin/keys", master, { name: "shared", rpm: 4 });
    const key = { authorization: `Bearer ${created.json.key as string}` };
    const chat = () => call(url, "POST", "/v1/chat/completions", key, { model: "fake/m", messages: [{ role: "user", content: "hi" }] });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await chat()).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    // Both workers served: their upstream connections come from different ports.
    expect(new Set(upstream.requests.map((r) => r.remotePort)).size).toBeGreaterThanOrEqual(2);

    const other = await call(url, "POST", "/admin/keys", master, { name: "to-revoke" });
    const otherKey = { authorization: `Bearer ${other.json.key as string}` };
    // Warm both workers' caches with the key, then revoke it through one of them.
    for (let i = 0; i < 4; i++) expect((await call(url, "GET", "/v1/models", otherKey)).status).toBe(200);
    expect((await call(url, "DELETE", `/admin/keys/${other.json.id as string}`, master)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < 4; i++) expect((await call(url, "GET", "/v1/models", otherKey)).status).toBe(401);
  } finally {
    await cluster.stop();
  }
});

it.skipIf(!withPostgres)("with PostgreSQL, a key created or revoked through one worker applies on every worker's next request", async () => {
  const { url: storage } = await schemas.create();
  const cluster = await startCluster(mkdtempSync(join(tmpdir(), "sy-cluster-pg-")), `server: { master_key: "sy-master-cluster-test-000" }\nstorage: { url: ${JSON.stringify(storage)} }\nproviders:\n  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
  const { url } = cluster;
  try {
    const master = { authorization: "Bearer sy-master-cluster-test-000" };
    // Each worker reads other processes' key changes every 2 s; these checks come well before that.
    for (let round = 0; round < 3; round++) {
      const created = await call(url, "POST", "/admin/keys", master, { name: `pg-${round}` });
      const key = { authorization: `Bearer ${created.json.key as string}` };
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(url, "GET", "/v1/models", key)).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect((await call(url, "DELETE", `/admin/keys/${created.json.id as string}`, master)).status).toBe(200);
      statuses.length = 0;
      for (let i = 0; i < 4; i++) statuses.push((await call(url, "GET", "/v1/models", key)).status);
      expect(statuses).toEqual([401, 401, 401, 401]);
    }
  } finally {
    await cluster.stop();
  }
}, 30_000);

it("exits 1 when a worker could not store its ledger rows at shutdown, 0 when every row was stored", async () => {
  const Database = createRequire(import.meta.url)("better-sqlite3") as new (file: string) => { exec(sql: string): void; close(): void };
  const run = async (outage: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), "sy-cluster-exit-"));
    const db = join(dir, "sy.db");
    const cluster = await startCluster(dir, `storage: { url: "sqlite://${db}" }\nproviders:\n  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
    const { url } = cluster;
    let code: number | null;
    try {
      if (outage) {
        const outside = new Database(db);
        outside.exec("ALTER TABLE ledger RENAME TO ledger_away");
        outside.close();
      }
      for (let i = 0; i < 6; i++) expect((await call(url, "POST", "/v1/chat/completions", {}, { model: "fake/m", messages: [{ role: "user", content: `n${i}` }] })).status).toBe(200);
      if (outage) await expect.poll(() => cluster.log().includes("ledger write failed"), { timeout: 5_000 }).toBe(true);
    } finally {
      code = await cluster.stop();
    }
    return { code, saved: readdirSync(dir).filter((name) => name.startsWith("switchyard-unsaved-ledger-")).length };
  };
  expect(await run(false)).toEqual({ code: 0, saved: 0 });
  const down = await run(true);
  expect(down.code).toBe(1);
  expect(down.saved).toBeGreaterThanOrEqual(1);
}, 40_000);
