import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVaultResolver, parseVaultReference, type VaultRefreshError } from "./vault.js";

const TOKEN = "hvs.test-token-do-not-leak";
const OPENAI_KEY = "sk-openai-value-do-not-leak";

/** A fake Vault that implements the KV v2 read endpoint (GET /v1/<mount>/data/<path>). */
class FakeVault {
  readonly secrets = new Map<string, Record<string, unknown>>();
  readonly requests: Array<{ url: string; namespace: string | undefined }> = [];
  namespace: string | undefined;
  /** Answer every request with this status instead (outage simulation). */
  failWith: number | undefined;
  /** Never answer (timeout simulation). */
  hang = false;
  private server: Server | undefined;
  private readonly hanging: ServerResponse[] = [];

  async start(): Promise<string> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const namespace = request.headers["x-vault-namespace"] as string | undefined;
    this.requests.push({ url: request.url ?? "", namespace });
    if (this.hang) return void this.hanging.push(response);
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (this.failWith) return reply(this.failWith, { errors: ["internal error"] });
    if (request.method !== "GET") return reply(405, { errors: [] });
    if (request.headers["x-vault-token"] !== TOKEN || namespace !== this.namespace) {
      return reply(403, { errors: ["permission denied"] });
    }
    const path = decodeURIComponent((request.url ?? "").replace(/^\/v1\//, ""));
    const data = this.secrets.get(path);
    if (!data) return reply(404, { errors: [] });
    reply(200, {
      request_id: "4b2c8a7e-0000-0000-0000-000000000000",
      lease_id: "",
      renewable: false,
      lease_duration: 0,
      data: { data, metadata: { created_time: "2026-11-28T12:00:00.000Z", deletion_time: "", destroyed: false, version: 1 } },
      wrap_info: null,
      warnings: null,
      auth: null,
    });
  }
}

describe("parseVaultReference", () => {
  it("inserts /data/ after the mount in the short form", () => {
    expect(parseVaultReference("vault:secret/openai#api_key")).toEqual({ ok: true, path: "secret/data/openai", field: "api_key" });
    expect(parseVaultReference("vault:secret/data/openai#api_key")).toEqual({ ok: true, path: "secret/data/openai", field: "api_key" });
    expect(parseVaultReference("vault:kv/team/llm/openai#key")).toEqual({ ok: true, path: "kv/data/team/llm/openai", field: "key" });
    expect(parseVaultReference("vault:/secret/openai/#key")).toEqual({ ok: true, path: "secret/data/openai", field: "key" });
    // A secret literally named "data" under the mount.
    expect(parseVaultReference("vault:secret/data#key")).toEqual({ ok: true, path: "secret/data/data", field: "key" });
  });

  it("explains malformed references", () => {
    expect(parseVaultReference("vault:secret/openai")).toMatchObject({ ok: false, reason: expect.stringContaining("names no field") });
    expect(parseVaultReference("vault:openai#key")).toMatchObject({ ok: false, reason: expect.stringContaining("names no secret path") });
    expect(parseVaultReference("vault:secret/../sys/seal#key")).toMatchObject({ ok: false, reason: expect.stringContaining("'..'") });
  });
});

describe("createVaultResolver", () => {
  let vault: FakeVault;
  let env: NodeJS.ProcessEnv;
  let now: number;
  let errors: VaultRefreshError[];
  const clock = (): number => now;

  beforeEach(async () => {
    vault = new FakeVault();
    vault.secrets.set("secret/data/openai", { api_key: OPENAI_KEY, org: "org-123", retries: 3, empty: "" });
    env = { VAULT_ADDR: await vault.start(), VAULT_TOKEN: TOKEN };
    now = 1_000_000;
    errors = [];
  });

  afterEach(async () => {
    await vault.stop();
  });

  const resolver = (options: { ttlMs?: number; retryMs?: number; timeoutMs?: number } = {}) =>
    createVaultResolver({ env, clock, onError: (error) => errors.push(error), ...options });

  it("reads a field with the token header, in short and full form, one request per path", async () => {
    const secrets = resolver();
    expect(await secrets.resolve("vault:secret/openai#api_key")).toEqual({ ok: true, value: OPENAI_KEY, literal: false });
    expect(await secrets.resolve("vault:secret/data/openai#org")).toEqual({ ok: true, value: "org-123", literal: false });
    expect(vault.requests).toEqual([{ url: "/v1/secret/data/openai", namespace: undefined }]);
  });

  it("sends X-Vault-Namespace when VAULT_NAMESPACE is set", async () => {
    vault.namespace = "team-a";
    expect(await resolver().resolve("vault:secret/openai#api_key")).toMatchObject({ ok: false, reason: expect.stringContaining("(403)") });
    env.VAULT_NAMESPACE = "team-a";
    expect(await resolver().resolve("vault:secret/openai#api_key")).toEqual({ ok: true, value: OPENAI_KEY, literal: false });
    expect(vault.requests.at(-1)?.namespace).toBe("team-a");
  });

  it("shares one request between concurrent resolves", async () => {
    const secrets = resolver();
    const results = await Promise.all(Array.from({ length: 10 }, () => secrets.resolve("vault:secret/openai#api_key")));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(vault.requests).toHaveLength(1);
  });

  it("reports a bad token, a missing path and a missing field without leaking the token or values", async () => {
    env.VAULT_TOKEN = "hvs.wrong-token-do-not-leak";
    const denied = await resolver().resolve("vault:secret/openai#api_key");
    expect(denied).toEqual({
      ok: false,
      reason: `Vault at ${env.VAULT_ADDR} denied access to secret/data/openai (403): check VAULT_TOKEN and the token's policy`,
    });
    env.VAULT_TOKEN = TOKEN;
    const secrets = resolver();
    const missing = await secrets.resolve("vault:secret/anthropic#api_key");
    expect(missing).toEqual({ ok: false, reason: `Vault at ${env.VAULT_ADDR} has no secret at secret/data/anthropic (404)` });
    const results = [
      denied,
      missing,
      await secrets.resolve("vault:secret/openai#nope"),
      await secrets.resolve("vault:secret/openai#retries"),
      await secrets.resolve("vault:secret/openai#empty"),
    ];
    expect(results.slice(2)).toEqual([
      { ok: false, reason: "Vault secret secret/data/openai has no field 'nope'" },
      { ok: false, reason: "Vault secret secret/data/openai field 'retries' is not a string" },
      { ok: false, reason: "Vault secret secret/data/openai field 'empty' is empty" },
    ]);
    const text = JSON.stringify(results);
    expect(text).not.toContain("do-not-leak");
    expect(text).not.toContain("org-123");
  });

  it("says which variable is missing", async () => {
    expect(await createVaultResolver({ env: { VAULT_TOKEN: TOKEN } }).resolve("vault:secret/openai#api_key")).toEqual({
      ok: false,
      reason: "VAULT_ADDR is not set",
    });
    expect(await createVaultResolver({ env: { VAULT_ADDR: env.VAULT_ADDR } }).resolve("vault:secret/openai#api_key")).toEqual({
      ok: false,
      reason: "VAULT_TOKEN is not set",
    });
  });

  it("caches for the TTL, then re-reads and serves a rotated value", async () => {
    const secrets = resolver({ ttlMs: 60_000 });
    expect(await secrets.resolve("vault:secret/openai#api_key")).toMatchObject({ value: OPENAI_KEY });
    vault.secrets.set("secret/data/openai", { api_key: "sk-rotated-value" });
    now += 59_999;
    expect(await secrets.resolve("vault:secret/openai#api_key")).toMatchObject({ value: OPENAI_KEY });
    expect(vault.requests).toHaveLength(1);
    now += 1;
    expect(await secrets.resolve("vault:secret/openai#api_key")).toMatchObject({ value: "sk-rotated-value" });
    expect(vault.requests).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it("keeps serving the last good value when a re-read fails, reports it, and retries later", async () => {
    const secrets = resolver({ ttlMs: 60_000, retryMs: 10_000 });
    expect(await secrets.resolve("vault:secret/openai#api_key")).toMatchObject({ value: OPENAI_KEY });
    vault.failWith = 503;
    now += 60_000;
    expect(await secrets.resolve("vault:secret/openai#api_key")).toEqual({ ok: true, value: OPENAI_KEY, literal: false });
    expect(errors).toEqual([{ path: "secret/data/openai", reason: `Vault at ${env.VAULT_ADDR} answered 503 for secret/data/openai` }]);
    // No new request until the retry delay has passed.
    now += 9_999;
    await secrets.resolve("vault:secret/openai#api_key");
    expect(vault.requests).toHaveLength(2);
    vault.failWith = undefined;
    vault.secrets.set("secret/data/openai", { api_key: "sk-rotated-value" });
    now += 1;
    expect(await secrets.resolve("vault:secret/openai#api_key")).toMatchObject({ value: "sk-rotated-value" });
    expect(errors).toHaveLength(1);
  });

  it("serves the last good value through an outage and names the unreachable address", async () => {
    const secrets = resolver({ ttlMs: 1_000 });
    await secrets.resolve("vault:secret/openai#api_key");
    const address = env.VAULT_ADDR;
    await vault.stop();
    now += 1_000;
    expect(await secrets.resolve("vault:secret/openai#api_key")).toMatchObject({ ok: true, value: OPENAI_KEY });
    expect(errors).toEqual([{ path: "secret/data/openai", reason: `Vault at ${address} is not reachable (ECONNREFUSED)` }]);
    expect(await secrets.resolve("vault:secret/other#api_key")).toEqual({
      ok: false,
      reason: `Vault at ${address} is not reachable (ECONNREFUSED)`,
    });
  });

  it("times out a Vault that does not answer", async () => {
    vault.hang = true;
    expect(await resolver({ timeoutMs: 50 }).resolve("vault:secret/openai#api_key")).toEqual({
      ok: false,
      reason: `Vault at ${env.VAULT_ADDR} did not answer within 50 ms`,
    });
  });
});
