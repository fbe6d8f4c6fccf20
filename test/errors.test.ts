/**
 * Bad input and bad upstreams: every failure gets the OpenAI error shape, a
 * truthful status and no secret, and the process keeps serving.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { validateOpenAI } from "./helpers/openapi.js";
import { chunk, completionBody, echoHandler, sendJson, sendSse } from "./helpers/fake-upstream.js";
import { startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./helpers/gateway-fixture.js";

let fixture: GatewayFixture;

beforeAll(async () => {
  fixture = await startGatewayFixture({
    config: (upstream) => ({
      server: { max_body_bytes: 64 * 1024 },
      providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY, timeout_ms: 400, first_token_timeout_ms: 400 } },
      models: { smart: { deployments: [{ provider: "fake", model: "gpt-fake" }] } },
    }),
  });
});
afterAll(() => fixture.close());
afterEach(() => fixture.upstream.handle(echoHandler));

async function post(path: string, body: string | object, headers: Record<string, string> = {}) {
  const response = await fetch(`${fixture.server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as { error: { message: string; type: string; code: string | null; param: string | null } } };
}

const chat = (extra: object = {}) => ({ model: "smart", messages: [{ role: "user", content: "hi" }], ...extra });

async function expectStillServing() {
  const health = await fetch(`${fixture.server.url}/health`);
  expect(health.status).toBe(200);
}

describe("bad client input", () => {
  const cases: Array<[string, string | object, number, string | null, RegExp]> = [
    ["malformed JSON", "{not json", 400, null, /not valid JSON/],
    ["empty body", "", 400, null, /empty/],
    ["a JSON array", "[1,2]", 400, null, /JSON object/],
    ["missing messages", { model: "smart" }, 400, "messages", /required/],
    ["messages of the wrong type", { model: "smart", messages: "hi" }, 400, "messages", /expected array/],
    ["a bad role", { model: "smart", messages: [{ role: "robot", content: "x" }] }, 400, "messages[0].role", /expected one of/],
    ["temperature as a string", chat({ temperature: "hot" }), 400, "temperature", /expected number/],
    ["n of zero", chat({ n: 0 }), 400, "n", /.+/],
    ["stream not boolean", chat({ stream: "yes" }), 400, "stream", /expected boolean/],
    ["an unknown model", { model: "no-such-model", messages: [{ role: "user", content: "x" }] }, 404, "model", /does not exist/],
    ["an unknown provider prefix", { model: "nobody/gpt", messages: [{ role: "user", content: "x" }] }, 404, "model", /does not exist/],
  ];
  for (const [name, body, status, param, message] of cases) {
    it(`rejects ${name} with ${status}`, async () => {
      const before = fixture.upstream.requests.length;
      const result = await post("/v1/chat/completions", body);
      expect(result.status).toBe(status);
      validateOpenAI("ErrorResponse", result.json);
      expect(result.json.error.param).toBe(param);
      expect(result.json.error.message).toMatch(message);
      expect(fixture.upstream.requests.length).toBe(before);
      await expectStillServing();
    });
  }

  it("rejects a body over the limit with 413 without reading it all", async () => {
    const huge = JSON.stringify(chat({ padding: "x".repeat(200 * 1024) }));
    const result = await post("/v1/chat/completions", huge);
    expect(result.status).toBe(413);
    expect(result.json.error.code).toBe("request_too_large");
    await expectStillServing();
  });

  it("rejects JSON nested too deeply (before anything re-serializes it)", async () => {
    const deep = `{"model":"smart","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":${"[".repeat(5000)}${"]".repeat(5000)}}}]}`;
    const result = await post("/v1/chat/completions", deep);
    expect(result.status).toBe(400);
    expect(result.json.error.message).toMatch(/nested more than 64 levels/);
    await expectStillServing();
  });

  it("sends no CORS headers unless origins are configured", async () => {
    const response = await fetch(`${fixture.server.url}/health`, { headers: { origin: "https://evil.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("rejects bad embeddings input", async () => {
    const result = await post("/v1/embeddings", { model: "fake/e", input: { text: "x" } });
    expect(result.status).toBe(400);
    expect(result.json.error.param).toBe("input");
    // Nothing to embed, as OpenAI's spec forbids: refused here, not sent upstream.
    for (const input of ["", [], [[]]]) {
      const empty = await post("/v1/embeddings", { model: "fake/e", input });
      expect(empty.status, JSON.stringify(input)).toBe(400);
      expect(empty.json.error.param).toMatch(/^input/);
    }
  });

  it("answers unknown routes with 404 and wrong methods with 405", async () => {
    expect((await post("/v1/nothing", {})).status).toBe(404);
    const wrongMethod = await fetch(`${fixture.server.url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
  });
});

describe("bad upstreams", () => {
  it("passes a provider's 400 through with its message", async () => {
    fixture.upstream.handle((_, res) => sendJson(res, 400, { error: { message: "Invalid value for 'n'", type: "invalid_request_error", param: "n", code: "invalid_value" } }));
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(400);
    expect(result.json.error).toMatchObject({ message: "Invalid value for 'n'", param: "n", code: "invalid_value" });
    expect(result.headers.get("x-switchyard-route")).toBe("fake/gpt-fake:400");
  });

  it("recognizes context-length errors", async () => {
    fixture.upstream.handle((_, res) => sendJson(res, 400, { error: { message: "This model's maximum context length is 8192 tokens", type: "invalid_request_error", code: null } }));
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(400);
    expect(result.json.error.code).toBe("context_length_exceeded");
  });

  it("never shows the client a 401 for the gateway's own bad key, nor the key itself", async () => {
    fixture.upstream.handle((_, res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${UPSTREAM_KEY}.`, type: "invalid_request_error", code: "invalid_api_key" } }));
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(502);
    expect(result.text).not.toContain(UPSTREAM_KEY);
    expect(result.text).not.toContain(UPSTREAM_KEY.slice(0, 20));
    expect(result.json.error.message).toMatch(/rejected the gateway's credentials/);
  });

  it("scrubs a secret an upstream echoes in a successful answer", async () => {
    fixture.upstream.handle((_req, res) => sendJson(res, 200, { id: "x", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: `key=${UPSTREAM_KEY}` }, finish_reason: "stop" }] }));
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(200);
    expect(result.text).not.toContain(UPSTREAM_KEY);
  });

  it("returns 429 with Retry-After when the provider is rate limited", async () => {
    fixture.upstream.handle((_, res) => sendJson(res, 429, { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }, { "retry-after": "7", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6.5s" }));
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(429);
    expect(result.headers.get("retry-after")).toBe("7");
  });

  it("maps a 500 with a non-JSON body to 502", async () => {
    fixture.upstream.handle((_, res) => { res.writeHead(500, { "content-type": "text/html" }); res.end("<html>Internal error</html>"); });
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(502);
    validateOpenAI("ErrorResponse", result.json);
    await expectStillServing();
  });

  it("maps a 200 with garbage to 502", async () => {
    fixture.upstream.handle((_, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end("{\"choices\": [tru"); });
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(502);
    expect(result.json.error.message).toMatch(/not JSON/);
  });

  it("maps a 200 with a JSON body of the wrong shape to 502", async () => {
    fixture.upstream.handle((_, res) => sendJson(res, 200, { hello: "world" }));
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(502);
  });

  it("maps a connection reset to 503", async () => {
    fixture.upstream.handle((_, res) => { res.socket?.destroy(); });
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(503);
    await expectStillServing();
  });

  it("times out a hanging provider with 504", async () => {
    fixture.upstream.handle(() => { /* never answers */ });
    const result = await post("/v1/chat/completions", chat());
    expect(result.status).toBe(504);
    expect(result.json.error.type).toBe("timeout_error");
    const streamed = await post("/v1/chat/completions", chat({ stream: true }));
    expect(streamed.status).toBe(504);
  });

  it("ends a stream that fails midway with an error event and [DONE]", async () => {
    fixture.upstream.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify(chunk("m", { role: "assistant", content: "" }))}\n\n`);
      res.write(`data: ${JSON.stringify(chunk("m", { content: "partial" }))}\n\n`);
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const response = await fetch(`${fixture.server.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify(chat({ stream: true })) });
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = text.trim().split("\n\n").map((line) => line.replace(/^data: /, ""));
    expect(events.at(-1)).toBe("[DONE]");
    const error = JSON.parse(events.at(-2)!);
    validateOpenAI("ErrorResponse", error);
    expect(text.match(/partial/g)).toHaveLength(1);
  });

  it("reports a stream cut short without a finish as an error", async () => {
    fixture.upstream.handle((_, res) => sendSse(res, [JSON.stringify(chunk("m", { role: "assistant", content: "" })), JSON.stringify(chunk("m", { content: "cut" }))]));
    const response = await fetch(`${fixture.server.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify(chat({ stream: true })) });
    const text = await response.text();
    expect(text).toMatch(/stream that ended before it finished/);
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
  });

  it("says that a stream request was answered with application/json, not an event stream", async () => {
    fixture.upstream.handle((request, res) => sendJson(res, 200, completionBody(String(request.body?.model), "Hello!")));
    const result = await post("/v1/chat/completions", chat({ stream: true }));
    expect(result.status).toBe(502);
    validateOpenAI("ErrorResponse", result.json);
    expect(result.json.error.code).toBe("invalid_response");
    expect(result.json.error.message).toBe("Provider 'fake' returned application/json, not an event stream, to a stream request");
    await expectStillServing();
  });

  it("fails a stream that errors before its first byte with a plain error status", async () => {
    fixture.upstream.handle((_, res) => sendSse(res, [JSON.stringify({ error: { message: "overloaded", type: "server_error" } })]));
    const result = await post("/v1/chat/completions", chat({ stream: true }));
    expect(result.status).toBe(502);
    expect(result.json.error.message).toMatch(/overloaded/);
  });
});

describe("client disconnects", () => {
  for (const stream of [false, true]) {
    it(`aborts the upstream request at once (${stream ? "stream" : "non-stream"})`, async () => {
      fixture.upstream.handle((_req, res) => {
        if (stream) {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write(`data: ${JSON.stringify(chunk("m", { role: "assistant", content: "" }))}\n\n`);
        }
        // then hang
      });
      const before = fixture.upstream.aborted;
      const controller = new AbortController();
      const pending = fetch(`${fixture.server.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify(chat({ stream })), signal: controller.signal })
        .then((r) => r.text())
        .catch(() => "aborted");
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort();
      await pending;
      await expect.poll(() => fixture.upstream.aborted, { timeout: 300 }).toBe(before + 1);
      await expectStillServing();
    });
  }
});
