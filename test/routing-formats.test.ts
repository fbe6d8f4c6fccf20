/**
 * Failover with faults in each native wire format: Anthropic's 529 overloaded
 * and its error event before the first token, Gemini's 429 with RetryInfo and
 * its in-stream error; the right number of calls and the route trace.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { echoHandler, sendJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from "./helpers/fake-upstream.js";
import { providerFixture } from "./helpers/provider-fixtures.js";

let anthropic: FakeUpstream;
let gemini: FakeUpstream;
let backup: FakeUpstream;
let gateway: Gateway;

beforeAll(async () => {
  [anthropic, gemini, backup] = await Promise.all([startFakeUpstream(), startFakeUpstream(), startFakeUpstream()]);
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: {
        claude: { type: "anthropic", base_url: `${anthropic.url}/v1`, api_key: "sk-ant-test-000000000000" },
        google: { type: "gemini", base_url: `${gemini.url}/v1beta`, api_key: "AIza-test-0000000000000" },
        backup: { type: "openai-compatible", base_url: backup.baseUrl },
      },
      models: {
        claude: { deployments: [{ provider: "claude", model: "claude-sonnet-4-5" }, { provider: "backup", model: "b" }], retries: 1 },
        gemini: { deployments: [{ provider: "google", model: "gemini-2.5-flash" }, { provider: "backup", model: "b" }], retries: 1 },
      },
      routing: { backoff: { base_ms: 1, max_ms: 5, max_wait_ms: 50 }, cooldown: { failures: 100 } },
    },
  });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([anthropic.close(), gemini.close(), backup.close()]);
});
beforeEach(() => {
  for (const upstream of [anthropic, gemini, backup]) upstream.requests.length = 0;
  backup.handle(echoHandler);
});

const sse = (text: string): FakeHandler => (_, res) => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  res.end(text);
};

async function call(model: string, stream: boolean) {
  const response = await gateway.fetch("http://gw/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
  });
  return { status: response.status, route: response.headers.get("x-switchyard-route"), text: await response.text() };
}

describe("Anthropic-format faults", () => {
  for (const stream of [false, true]) {
    it(`529 overloaded is retried, then fails over (${stream ? "stream" : "non-stream"})`, async () => {
      anthropic.handle((_, res) => sendJson(res, 529, JSON.parse(providerFixture("anthropic", "anthropic-error-overloaded.json"))));
      const result = await call("claude", stream);
      expect(result.status).toBe(200);
      expect(result.route).toBe("claude/claude-sonnet-4-5:529>claude/claude-sonnet-4-5:529>backup/b:200");
      expect(anthropic.requests).toHaveLength(2);
    });
  }

  it("an error event before the first token fails over", async () => {
    anthropic.handle(sse('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'));
    const result = await call("claude", true);
    expect(result.status).toBe(200);
    expect(result.route).toMatch(/^claude\/claude-sonnet-4-5:upstream_unavailable>.*backup\/b:200$/);
  });

  it("an error event after text ends the stream with an error, no failover", async () => {
    anthropic.handle(sse(providerFixture("anthropic", "anthropic-mid-stream-error.chunks.txt")));
    const result = await call("claude", true);
    expect(result.status).toBe(200);
    expect(backup.requests).toHaveLength(0);
    expect(result.text).toMatch(/"error"/);
    expect(result.text.trim().endsWith("data: [DONE]")).toBe(true);
  });

  it("a 400 is not retried", async () => {
    anthropic.handle((_, res) => sendJson(res, 400, { type: "error", error: { type: "invalid_request_error", message: "messages: roles must alternate" } }));
    const result = await call("claude", false);
    expect(result.status).toBe(400);
    expect(anthropic.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
  });
});

describe("Gemini-format faults", () => {
  // First: the 429 test below leaves the deployment out of rotation.
  it("an in-stream error before any text fails over", async () => {
    gemini.handle(sse('data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\r\n\r\n'));
    const result = await call("gemini", true);
    expect(result.status).toBe(200);
    expect(result.route).toBe("google/gemini-2.5-flash:503>google/gemini-2.5-flash:503>backup/b:200");
  });
  it("a failed tool call with nothing else (MALFORMED_FUNCTION_CALL) is retried, and the retry's answer is the client's", async () => {
    let calls = 0;
    const malformed = { candidates: [{ content: { role: "model", parts: [] }, finishReason: "MALFORMED_FUNCTION_CALL", index: 0 }] };
    gemini.handle((_, res) => sendJson(res, 200, ++calls === 1 ? malformed : JSON.parse(providerFixture("gemini", "gemini-text.json"))));
    const result = await call("gemini", false);
    expect(result.status).toBe(200);
    expect(result.route).toBe("google/gemini-2.5-flash:upstream_error>google/gemini-2.5-flash:200");
    expect(JSON.parse(result.text).choices[0].message.content).toBeTruthy();
  });
  it("429 RESOURCE_EXHAUSTED moves on at once, and RetryInfo keeps the deployment out of rotation", async () => {
    gemini.handle((_, res) => sendJson(res, 429, JSON.parse(providerFixture("gemini", "gemini-error-429.json"))));
    const result = await call("gemini", false);
    expect(result.status).toBe(200);
    expect(result.route).toBe("google/gemini-2.5-flash:429>backup/b:200");
    expect(gemini.requests).toHaveLength(1);
    const providers = (await gateway.admin("GET", "/admin/providers")) as { deployments: Array<{ id: string; healthy: boolean; skip_until: string | null }> };
    const google = providers.deployments.find((d) => d.id === "google/gemini-2.5-flash")!;
    expect(google.healthy).toBe(false);
    expect(google.skip_until).not.toBeNull();
    const streamed = await call("gemini", true);
    expect(streamed.route).toBe("backup/b:200");
    expect(gemini.requests).toHaveLength(1);
  });

});

describe("embeddings through an alias that mixes providers", () => {
  async function embed(model: string) {
    const response = await gateway.fetch("http://gw/v1/embeddings", { method: "POST", body: JSON.stringify({ model, input: "hi" }) });
    return { status: response.status, attempts: response.headers.get("x-switchyard-attempts"), json: (await response.json()) as { data?: unknown[]; error?: { code?: string; param?: string } } };
  }

  it("passes over a deployment whose provider offers no embeddings, without counting it as an attempt", async () => {
    const { status, attempts, json } = await embed("claude");
    expect(status).toBe(200);
    expect(attempts).toBe("1");
    expect(json.data).toHaveLength(1);
    expect(backup.requests.map((request) => request.url)).toEqual(["/v1/embeddings"]);
    expect(anthropic.requests).toHaveLength(0);
  });

  it("refuses a model none of whose providers offers embeddings (400, no upstream call)", async () => {
    const { status, json } = await embed("claude/claude-sonnet-4-5");
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code: "unsupported_operation", param: "model" });
    expect(anthropic.requests).toHaveLength(0);
  });
});
