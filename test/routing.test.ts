/**
 * Failover across two OpenAI-format fakes: for each fault, stream and
 * non-stream, the right number of upstream calls, final status and route.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { chunk, completionBody, echoHandler, sendJson, sendSse, startFakeUpstream, type FakeHandler, type FakeUpstream } from "./helpers/fake-upstream.js";

let primary: FakeUpstream;
let secondary: FakeUpstream;
let big: FakeUpstream;
let gateway: Gateway;

beforeAll(async () => {
  [primary, secondary, big] = await Promise.all([startFakeUpstream(), startFakeUpstream(), startFakeUpstream()]);
});
afterAll(async () => {
  await Promise.all([primary.close(), secondary.close(), big.close()]);
});

beforeEach(async () => {
  await gateway?.close();
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      providers: {
        p: { type: "openai-compatible", base_url: primary.baseUrl, api_key: "sk-p-000000000000", timeout_ms: 300, first_token_timeout_ms: 300 },
        s: { type: "openai-compatible", base_url: secondary.baseUrl, api_key: "sk-s-000000000000" },
        b: { type: "openai-compatible", base_url: big.baseUrl, api_key: "sk-b-000000000000" },
      },
      models: {
        smart: { deployments: [{ provider: "p", model: "m1" }, { provider: "s", model: "m2" }], retries: 2, context_window_fallbacks: ["large"] },
        large: { deployments: [{ provider: "b", model: "m-large" }] },
      },
      routing: { backoff: { base_ms: 1, max_ms: 5, max_wait_ms: 50 } },
    },
  });
  primary.requests.length = 0;
  secondary.requests.length = 0;
  big.requests.length = 0;
  primary.handle(echoHandler);
  secondary.handle(echoHandler);
  big.handle(echoHandler);
});

async function call(stream: boolean, headers: Record<string, string> = {}) {
  const response = await gateway.fetch("http://gw/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "smart", stream, messages: [{ role: "user", content: "hi" }] }),
  });
  return { status: response.status, route: response.headers.get("x-switchyard-route"), attempts: response.headers.get("x-switchyard-attempts"), text: await response.text() };
}

const errorJson = (status: number, message: string, headers: Record<string, string> = {}): FakeHandler => (_, res) =>
  sendJson(res, status, { error: { message, type: "server_error", code: null } }, headers);

interface FaultCase {
  name: string;
  handler: FakeHandler;
  primaryCalls: number;
  status: number;
  route: string;
}

const P = "p/m1";
const S = "s/m2";
const thrice = (code: string) => `${P}:${code}>${P}:${code}>${P}:${code}>${S}:200`;

const faults: FaultCase[] = [
  { name: "500", handler: errorJson(500, "boom"), primaryCalls: 3, status: 200, route: thrice("500") },
  { name: "503", handler: errorJson(503, "overloaded"), primaryCalls: 3, status: 200, route: thrice("503") },
  { name: "529", handler: errorJson(529, "Overloaded"), primaryCalls: 3, status: 200, route: thrice("529") },
  { name: "429 with Retry-After", handler: errorJson(429, "slow down", { "retry-after": "20" }), primaryCalls: 1, status: 200, route: `${P}:429>${S}:200` },
  { name: "429 with rate-limit headers", handler: errorJson(429, "limit", { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "30s" }), primaryCalls: 1, status: 200, route: `${P}:429>${S}:200` },
  { name: "connection reset before headers", handler: (_, res) => void res.socket?.destroy(), primaryCalls: 3, status: 200, route: thrice("upstream_unavailable") },
  { name: "hang", handler: () => undefined, primaryCalls: 1, status: 200, route: `${P}:timeout>${S}:200` },
  { name: "non-JSON body", handler: (_, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end("<html>"); }, primaryCalls: 1, status: 200, route: `${P}:upstream_error>${S}:200` },
  { name: "400", handler: errorJson(400, "bad parameter"), primaryCalls: 1, status: 400, route: `${P}:400` },
];

describe("failover per fault", () => {
  for (const fault of faults) {
    for (const stream of [false, true]) {
      it(`${fault.name} (${stream ? "stream" : "non-stream"})`, async () => {
        primary.handle(fault.handler);
        const result = await call(stream);
        expect(result.status).toBe(fault.status);
        const route = stream && fault.name === "non-JSON body" ? `${P}:upstream_error>${S}:200` : fault.route;
        expect(result.route).toBe(route);
        expect(primary.requests.length).toBe(fault.primaryCalls);
        expect(secondary.requests.length).toBe(fault.status === 200 ? 1 : 0);
        if (fault.status === 200) expect(result.text).toContain(stream ? "Hel" : "Hello!");
      });
    }
  }

  it("a non-stream call's timeout_ms bounds the whole call, to its own clock (not the transport's coarse one)", async () => {
    primary.handle(() => undefined);
    secondary.handle(() => undefined);
    const response = await gateway.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "p/m1", messages: [{ role: "user", content: "hi" }] }) });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe("Provider 'p' did not answer within 300 ms");
  });

  it("a 400 costs exactly one upstream call", async () => {
    primary.handle(errorJson(400, "invalid"));
    await call(false);
    expect(primary.requests.length + secondary.requests.length).toBe(1);
  });

  it("a 429 with a reset time keeps the deployment out of rotation until then", async () => {
    primary.handle(errorJson(429, "slow down", { "retry-after": "20" }));
    await call(false);
    primary.handle(echoHandler);
    const next = await call(false);
    expect(next.route).toBe(`${S}:200`);
    expect(primary.requests.length).toBe(1);
  });

  it("remaining: 0 in rate-limit headers steers traffic away before a 429", async () => {
    primary.handle((_req, res) => sendJson(res, 200, { id: "x", object: "chat.completion", created: 1, model: "m1", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] }, { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1m" }));
    expect((await call(false)).route).toBe(`${P}:200`);
    expect((await call(false)).route).toBe(`${S}:200`);
  });

  it("after the first byte, a stream failure ends with an error event and no failover", async () => {
    primary.handle((_, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify(chunk("m1", { role: "assistant", content: "" }))}\n\n`);
      res.write(`data: ${JSON.stringify(chunk("m1", { content: "part" }))}\n\n`);
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const result = await call(true);
    expect(result.status).toBe(200);
    expect(result.route).toBe(`${P}:200`);
    expect(secondary.requests.length).toBe(0);
    expect(result.text.match(/part/g)).toHaveLength(1);
    expect(result.text).toMatch(/"error"/);
    expect(result.text.trim().endsWith("data: [DONE]")).toBe(true);
  });

  it("a stream sends the client's text as written to every attempt, retries and failover alike", async () => {
    primary.handle(errorJson(500, "boom"));
    const text = '{"model": "smart",  "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "caf\\u00e9"}]}';
    const response = await gateway.fetch("http://gw/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: text });
    expect(response.headers.get("x-switchyard-route")).toBe(thrice("500"));
    await response.text();
    expect(primary.requests.map((r) => r.raw)).toEqual(Array(3).fill(text.replace('"smart"', '"m1"')));
    expect(secondary.requests.map((r) => r.raw)).toEqual([text.replace('"smart"', '"m2"')]);
  });

  it("a stream truncated before any chunk fails over", async () => {
    primary.handle((_, res) => sendSse(res, []));
    const result = await call(true);
    expect(result.route).toBe(`${P}:upstream_error>${S}:200`);
  });

  it("a context-length error moves to the context-window fallback, once", async () => {
    primary.handle(errorJson(400, "This model's maximum context length is 4096 tokens"));
    const result = await call(false);
    expect(result.status).toBe(200);
    expect(result.route).toBe(`${P}:400>b/m-large:200`);
    expect(secondary.requests.length).toBe(0);
  });

  it("OpenRouter's `models` without `model`: the first is the model, the rest its fallbacks", async () => {
    primary.handle(errorJson(500, "boom"));
    const response = await gateway.fetch("http://gw/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ models: ["p/m1", "large"], messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-route")).toMatch(/^p\/m1:500>.*b\/m-large:200$/);
    expect(big.requests[0]!.body).toMatchObject({ model: "m-large" });
    expect(big.requests[0]!.body).not.toHaveProperty("models");
  });

  it("fails with the last error when every deployment fails", async () => {
    primary.handle(errorJson(500, "boom"));
    secondary.handle(errorJson(503, "down"));
    const result = await call(false);
    expect(result.status).toBe(503);
    expect(result.attempts).toBe("6");
  });
});

describe("provider key rotation", () => {
  let rotating: Gateway;
  beforeEach(async () => {
    rotating = await createGateway({
      logger: createLogger("silent"),
      config: {
        providers: {
          multi: { type: "openai-compatible", base_url: primary.baseUrl, api_key: ["sk-key-one-00000000", "sk-key-two-00000000"] },
          backup: { type: "openai-compatible", base_url: secondary.baseUrl, api_key: "sk-backup-00000000" },
        },
        models: { keyed: { deployments: [{ provider: "multi", model: "m" }, { provider: "backup", model: "b" }] } },
        routing: { backoff: { base_ms: 1, max_ms: 5, max_wait_ms: 50 } },
      },
    });
  });
  afterEach(() => rotating.close());

  const ask = () =>
    rotating.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "multi/m", messages: [{ role: "user", content: "hi" }] }) });

  it("takes a key the provider rejects out of rotation and carries on with the next", async () => {
    primary.handle((request, res) => (String(request.headers.authorization).includes("key-one") ? errorJson(401, "invalid key")(request, res) : echoHandler(request, res)));
    const first = await ask();
    expect(first.status).toBe(200);
    expect(first.headers.get("x-switchyard-route")).toBe("multi/m:401>multi/m:200");
    for (let i = 0; i < 4; i++) expect((await ask()).status).toBe(200);
    expect(primary.requests.filter((r) => String(r.headers.authorization).includes("key-one"))).toHaveLength(1);
  });

  it("never sends a request without a key: the only key, rejected once, still goes, and works again when the provider accepts it", async () => {
    const single = await createGateway({
      logger: createLogger("silent"),
      config: { providers: { solo: { type: "openai-compatible", base_url: primary.baseUrl, api_key: "sk-solo-key-00000000" } } },
    });
    try {
      let refuse = true;
      primary.handle((request, res) => (refuse ? errorJson(401, "invalid key")(request, res) : echoHandler(request, res)));
      const send = () =>
        single.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "solo/m", messages: [{ role: "user", content: "hi" }] }) });
      expect((await send()).status).toBe(502);
      expect((await send()).status).toBe(502);
      refuse = false;
      expect((await send()).status).toBe(200);
      expect(primary.requests.map((r) => r.headers.authorization)).toEqual(Array(3).fill("Bearer sk-solo-key-00000000"));
    } finally {
      await single.close();
    }
  });

  it("a 403 for one model leaves the key serving the provider's other models", async () => {
    primary.handle((request, res) => (request.body?.model === "restricted" ? errorJson(403, "Project does not have access to model restricted")(request, res) : echoHandler(request, res)));
    const send = (model: string) =>
      rotating.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }) });
    expect((await send("multi/restricted")).status).toBe(502);
    for (let i = 0; i < 4; i++) expect((await send("multi/m")).status).toBe(200);
    expect(new Set(primary.requests.slice(-4).map((r) => r.headers.authorization))).toEqual(new Set(["Bearer sk-key-one-00000000", "Bearer sk-key-two-00000000"]));
  });

  const askKeyed = () =>
    rotating.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "keyed", messages: [{ role: "user", content: "hi" }] }) });
  const byKey = (name: string) => primary.requests.filter((r) => String(r.headers.authorization).includes(name)).length;

  it("one key's 429 rests that key, not the deployment: the provider's other key serves it, the backup is not called", async () => {
    primary.handle((request, res) => (String(request.headers.authorization).includes("key-one") ? errorJson(429, "slow", { "retry-after": "30" })(request, res) : echoHandler(request, res)));
    const routes: Array<string | null> = [];
    for (let i = 0; i < 4; i++) routes.push((await askKeyed()).headers.get("x-switchyard-route"));
    expect(routes.slice(1)).toEqual(Array(3).fill("multi/m:200"));
    expect([byKey("key-one"), byKey("key-two"), secondary.requests.length]).toEqual([1, 4, 0]);
  });

  it("one key's exhausted window (remaining 0 on a success) rests that key; the deployment steps aside once every key rests", async () => {
    primary.handle((request, res) => sendJson(res, 200, completionBody(String(request.body?.model), "ok"), { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "60s" }));
    expect((await askKeyed()).headers.get("x-switchyard-route")).toBe("multi/m:200"); // key one: now resting
    expect((await askKeyed()).headers.get("x-switchyard-route")).toBe("multi/m:200"); // key two: now resting too
    expect((await askKeyed()).headers.get("x-switchyard-route")).toBe("backup/b:200");
    expect([byKey("key-one"), byKey("key-two"), secondary.requests.length]).toEqual([1, 1, 1]);
  });

  it("moves a rate-limited key aside until its reset", async () => {
    primary.handle((request, res) => (String(request.headers.authorization).includes("key-one") ? errorJson(429, "slow", { "retry-after": "30" })(request, res) : echoHandler(request, res)));
    expect((await ask()).status).toBe(200);
    for (let i = 0; i < 3; i++) await ask();
    expect(primary.requests.filter((r) => String(r.headers.authorization).includes("key-one"))).toHaveLength(1);
    expect(primary.requests.filter((r) => String(r.headers.authorization).includes("key-two"))).toHaveLength(4);
  });
});

describe("OpenRouter-style `models` over HTTP", () => {
  const send = (body: Record<string, unknown>) =>
    gateway.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], ...body }) });

  it("a list longer than the limit is a 400 on `models`, before any upstream call", async () => {
    primary.handle(errorJson(500, "boom"));
    const response = await send({ model: "p/m1", models: Array.from({ length: 200 }, (_, i) => `p/m${i + 2}`) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe("models");
    expect(primary.requests).toHaveLength(0);
  });

  it("an unknown fallback model is a 404 on `models`, not on `model`", async () => {
    const response = await send({ model: "smart", models: ["no-such-model"] });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { param: string } }).error).toMatchObject({ param: "models", code: "model_not_found" });
  });
});

describe("a provider whose address is wrong", () => {
  it("a TLS handshake failure moves to the next deployment at once: retrying cannot help", async () => {
    const wrong = await createGateway({
      logger: createLogger("silent"),
      config: {
        storage: { url: "memory://" },
        // https:// to a plain-HTTP server: the handshake fails every time.
        providers: { tls: { type: "openai-compatible", base_url: primary.baseUrl.replace("http:", "https:"), api_key: "sk-tls-000000000000" }, s: { type: "openai-compatible", base_url: secondary.baseUrl, api_key: "sk-s-000000000000" } },
        models: { smart: { deployments: [{ provider: "tls", model: "m" }, { provider: "s", model: "m2" }], retries: 2 } },
        routing: { backoff: { base_ms: 1, max_ms: 5, max_wait_ms: 50 } },
      },
    });
    try {
      const send = (model: string) => wrong.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }) });
      const failover = await send("smart");
      expect(failover.status).toBe(200);
      expect(failover.headers.get("x-switchyard-route")).toBe("tls/m:upstream_error>s/m2:200");
      const alone = await send("tls/m");
      expect(alone.status).toBe(502);
      expect(alone.headers.get("x-switchyard-attempts")).toBe("1");
      expect(((await alone.json()) as { error: { message: string; code: string } }).error).toMatchObject({ code: "upstream_unreachable", message: expect.stringContaining("check its base_url") });
    } finally {
      await wrong.close();
    }
  });
});
