import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

/** A Vault KV v2 server holding one secret whose value the test can rotate. */
let vaultUrl: string;
let secretValue = "sk-from-vault-first-0000";
let vaultReads = 0;
const vault = createServer((req, res) => {
  vaultReads++;
  if (req.headers["x-vault-token"] !== "root-token") {
    res.writeHead(403).end(JSON.stringify({ errors: ["permission denied"] }));
    return;
  }
  if (req.url !== "/v1/secret/data/llm") {
    res.writeHead(404).end(JSON.stringify({ errors: [] }));
    return;
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { data: { openai: secretValue }, metadata: { version: 1 } } }));
});
let upstream: FakeUpstream;

beforeAll(async () => {
  await new Promise<void>((resolve) => vault.listen(0, "127.0.0.1", resolve));
  vaultUrl = `http://127.0.0.1:${(vault.address() as AddressInfo).port}`;
  upstream = await startFakeUpstream();
  process.env.VAULT_ADDR = vaultUrl;
  process.env.VAULT_TOKEN = "root-token";
});
afterAll(async () => {
  delete process.env.VAULT_ADDR;
  delete process.env.VAULT_TOKEN;
  vault.close();
  await upstream.close();
});

describe("vault: references in the gateway", () => {
  it("sends the Vault value upstream and picks up a rotated one after the TTL", async () => {
    const gateway = await createGateway({
      logger: createLogger("silent"),
      config: {
        storage: { url: "memory://" },
        secrets: { vault_ttl_ms: 200 },
        providers: { v: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: "vault:secret/llm#openai" } },
      },
    });
    try {
      const ask = () => gateway.chat({ model: "v/m", messages: [{ role: "user", content: "hi" }] });
      await ask();
      expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer sk-from-vault-first-0000");
      secretValue = "sk-from-vault-rotated-000";
      await expect
        .poll(async () => {
          await ask();
          return upstream.requests.at(-1)!.headers.authorization;
        }, { timeout: 3000, interval: 100 })
        .toBe("Bearer sk-from-vault-rotated-000");
      expect(vaultReads).toBeGreaterThanOrEqual(2);
    } finally {
      await gateway.close();
    }
  });

  it("disables a provider whose Vault secret cannot be read, without crashing", async () => {
    const gateway = await createGateway({
      logger: createLogger("silent"),
      config: { storage: { url: "memory://" }, providers: { v: { type: "openai", api_key: "vault:secret/missing#openai" } } },
    });
    try {
      expect(gateway.disabledProviders()[0]).toMatchObject({ provider: "v", reason: expect.stringMatching(/404|not found/i) });
    } finally {
      await gateway.close();
    }
  });
});
