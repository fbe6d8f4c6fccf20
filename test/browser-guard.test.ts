/**
 * Browser attacks: a page the operator visits posting to the gateway
 * (cross-site "simple" requests need no preflight), and DNS rebinding onto a
 * loopback gateway without a master key. Over real HTTP, with the raw Host and
 * Origin headers a browser would send.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { startServer, type RunningServer } from "../src/server/http-server.js";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

const MASTER = "sk-master-browser-guard-0001";
let upstream: FakeUpstream;
const servers: Array<{ gateway: Gateway; running: RunningServer }> = [];

async function start(server: Record<string, unknown>): Promise<string> {
  const gateway = await createGateway({
    logger: createLogger("silent"),
    config: { server, storage: { url: "memory://" }, providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl } } },
  });
  const running = await startServer(gateway, { host: "127.0.0.1", port: 0 });
  servers.push({ gateway, running });
  return running.url;
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  for (const { gateway, running } of servers) {
    await running.close();
    await gateway.close();
  }
  await upstream.close();
});

/** A raw request: fetch() would not let a test set Host. */
function send(base: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; code?: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: body === undefined ? "GET" : "POST", headers }, (res) => {
      let text = "";
      res.on("data", (piece) => (text += piece)).on("end", () => {
        let code: string | undefined;
        try {
          code = JSON.parse(text).error?.code;
        } catch {}
        resolve({ status: res.statusCode!, code });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const chat = JSON.stringify({ model: "fake/m", messages: [{ role: "user", content: "hi" }] });

describe("without a master key (loopback only, the API open there)", () => {
  let base: string;
  beforeAll(async () => {
    base = await start({});
  });

  it("refuses a cross-site text/plain POST, and one from an opaque origin, before it reaches a provider", async () => {
    const before = upstream.requests.length;
    expect(await send(base, "/v1/chat/completions", { "content-type": "text/plain", origin: "https://evil.example" }, chat)).toEqual({ status: 403, code: "cross_origin_refused" });
    expect(await send(base, "/admin/keys", { "content-type": "text/plain", origin: "null" }, JSON.stringify({ name: "csrf" }))).toEqual({ status: 403, code: "cross_origin_refused" });
    expect(upstream.requests.length).toBe(before);
  });

  it("refuses a host name that is not loopback (DNS rebinding), and serves loopback names and same-origin pages", async () => {
    const port = new URL(base).port;
    expect(await send(base, "/admin/keys", { host: `rebind.attacker.example:${port}` })).toEqual({ status: 403, code: "host_not_allowed" });
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `app.localhost:${port}`]) {
      expect((await send(base, "/admin/keys", { host })).status).toBe(200);
    }
    // The dashboard's own requests: same origin.
    expect((await send(base, "/v1/chat/completions", { "content-type": "application/json", host: `localhost:${port}`, origin: `http://localhost:${port}` }, chat)).status).toBe(200);
    // SDKs and curl send no Origin.
    expect((await send(base, "/v1/chat/completions", { "content-type": "application/json" }, chat)).status).toBe(200);
  });
});

describe("with a master key", () => {
  it("serves any host name (the key guards it) but still refuses foreign origins unless listed in cors_origins", async () => {
    const base = await start({ master_key: MASTER, cors_origins: ["https://app.example"] });
    const auth = { authorization: `Bearer ${MASTER}`, "content-type": "application/json" };
    expect((await send(base, "/v1/chat/completions", { ...auth, host: "gateway.internal.example" }, chat)).status).toBe(200);
    expect(await send(base, "/v1/chat/completions", { ...auth, origin: "https://evil.example" }, chat)).toEqual({ status: 403, code: "cross_origin_refused" });
    expect((await send(base, "/v1/chat/completions", { ...auth, origin: "https://app.example" }, chat)).status).toBe(200);
  });
});
