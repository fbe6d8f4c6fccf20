/**
 * A reload while requests are in flight: a request that started on the old
 * config finishes on it, retries after a backoff and failovers included (its
 * connection pools stay open until it is done); new requests use the new one.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { echoHandler, sendJson, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

let p: FakeUpstream;
let s: FakeUpstream;
beforeAll(async () => {
  [p, s] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
});
afterAll(() => Promise.all([p.close(), s.close()]));
beforeEach(() => {
  p.requests.length = 0;
  s.requests.length = 0;
  s.handle(echoHandler);
});

const config = (retries: number) => ({
  storage: { url: "memory://" },
  providers: {
    p: { type: "openai-compatible", base_url: p.baseUrl, api_key: "sk-p-reload-0000000000" },
    s: { type: "openai-compatible", base_url: s.baseUrl, api_key: "sk-s-reload-0000000000" },
  },
  models: { smart: { deployments: [{ provider: "p", model: "m1" }, { provider: "s", model: "m2" }], retries } },
  routing: { backoff: { base_ms: 1, max_ms: 5, max_wait_ms: 5_000 } },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("reload with requests in flight", () => {
  it("a retry after the backoff still reaches the deployment the request started on", async () => {
    const gateway = await createGateway({ config: config(2), logger: createLogger("silent") });
    try {
      let calls = 0;
      // The first answer asks for a 300 ms wait; the reload happens during it.
      p.handle((request, res) => (++calls === 1 ? sendJson(res, 503, { error: { message: "busy" } }, { "retry-after-ms": "300" }) : echoHandler(request, res)));
      const pending = gateway.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "smart", messages: [{ role: "user", content: "hi" }] }) });
      await sleep(100);
      await gateway.reload(config(1));
      const response = await pending;
      expect(response.status).toBe(200);
      expect(response.headers.get("x-switchyard-route")).toBe("p/m1:503>p/m1:200");
      expect(p.requests).toHaveLength(2);
    } finally {
      await gateway.close();
    }
  });

  it("a failover that starts after the reload reaches the next deployment", async () => {
    const gateway = await createGateway({ config: config(0), logger: createLogger("silent") });
    try {
      p.handle((_request, res) => void setTimeout(() => sendJson(res, 500, { error: { message: "boom" } }), 200));
      const pending = gateway.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "smart", messages: [{ role: "user", content: "hi" }] }) });
      await sleep(50);
      await gateway.reload(config(0));
      const response = await pending;
      expect(response.status).toBe(200);
      expect(response.headers.get("x-switchyard-route")).toBe("p/m1:500>s/m2:200");
    } finally {
      await gateway.close();
    }
  });
});

describe("reloads asked for in a row", () => {
  it("apply in the order asked: a slow one (a Vault read) never lands after a later one", async () => {
    // A Vault that takes 300 ms to answer.
    const vault = createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { data: { key: "sk-from-vault-0000000000" } } })), 300);
    });
    await new Promise<void>((resolve) => vault.listen(0, "127.0.0.1", resolve));
    process.env.VAULT_ADDR = `http://127.0.0.1:${(vault.address() as AddressInfo).port}`;
    process.env.VAULT_TOKEN = "root-token";
    const gateway = await createGateway({ config: config(0), logger: createLogger("silent") });
    try {
      const viaVault = { ...config(0), providers: { ...config(0).providers, p: { ...config(0).providers.p, api_key: "vault:secret/llm#key" } } };
      const first = gateway.reload({ ...viaVault, models: { first: { deployments: [{ provider: "p", model: "m1" }] } } });
      const second = gateway.reload({ ...config(0), models: { second: { deployments: [{ provider: "s", model: "m2" }] } } });
      await Promise.all([first, second]);
      expect(Object.keys(gateway.config.models)).toEqual(["second"]);
    } finally {
      await gateway.close();
      delete process.env.VAULT_ADDR;
      delete process.env.VAULT_TOKEN;
      vault.close();
    }
  });
});
