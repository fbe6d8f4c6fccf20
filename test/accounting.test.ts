/**
 * Cost truth end to end: exact cost per provider format from the upstream's
 * reported usage, stream equal to non-stream, unpriced never $0, and exactly
 * one ledger row per finished request.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { echoHandler, sendJson, sendSse, chunk, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { sendRecorded } from "./helpers/provider-fixtures.js";

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gemini: FakeUpstream;
let gateway: Gateway;
let client: OpenAI;
let dbDir: string;

beforeAll(async () => {
  [openai, anthropic, gemini] = await Promise.all([startFakeUpstream(), startFakeUpstream(), startFakeUpstream()]);
  anthropic.handle((request, res) => {
    const name = request.body?.model === "claude-sonnet-4-6" ? "anthropic-cache-1h-usage" : "anthropic-cache-usage";
    sendRecorded(res, "anthropic", name, request.body?.stream === true);
  });
  gemini.handle((request, res) => {
    const name = request.url.includes("gemini-2.5-pro") ? "gemini-tool-calls" : "gemini-text";
    sendRecorded(res, "gemini", name, request.url.includes(":streamGenerateContent"));
  });
  dbDir = mkdtempSync(join(tmpdir(), "sy-ledger-"));
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: `sqlite://${join(dbDir, "ledger.db")}` },
      providers: {
        oai: { type: "openai", base_url: openai.baseUrl, api_key: "sk-test-oai-0000000000" },
        claude: { type: "anthropic", base_url: `${anthropic.url}/v1`, api_key: "sk-ant-test-0000000000" },
        google: { type: "gemini", base_url: `${gemini.url}/v1beta`, api_key: "AIza-test-000000000000" },
        local: { type: "openai-compatible", base_url: openai.baseUrl },
        mystery: { type: "openrouter", base_url: openai.baseUrl, api_key: "sk-or-test-000000000" },
      },
    },
  });
  client = new OpenAI({ apiKey: "x", baseURL: "http://gw/v1", fetch: gateway.fetch, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
});

const ask = { messages: [{ role: "user" as const, content: "Hi" }] };

// USD per 1M tokens from data/prices.json, applied by hand.
const cases = [
  // gpt-4o-mini: 8 uncached × 0.15 + 4 cached × 0.075 + 5 output × 0.60
  { name: "OpenAI cached tokens", model: "oai/gpt-4o-mini", cost: (8 * 0.15 + 4 * 0.075 + 5 * 0.6) / 1e6, prompt: 12, cached: 4, completion: 5 },
  // claude-sonnet-4-5: 21 input × 3 + 2048 cache reads × 0.30 + 1200 cache writes × 3.75 + 17 output × 15
  { name: "Anthropic cache read and write", model: "claude/claude-sonnet-4-5", cost: (21 * 3 + 2048 * 0.3 + 1200 * 3.75 + 17 * 15) / 1e6, prompt: 21 + 2048 + 1200, cached: 2048, completion: 17 },
  // claude-sonnet-4-6: the same, but of the 1200 writes 1000 are one-hour ones (× 6.00) and 200 five-minute ones (× 3.75)
  { name: "Anthropic one-hour cache writes", model: "claude/claude-sonnet-4-6", cost: (21 * 3 + 2048 * 0.3 + 200 * 3.75 + 1000 * 6 + 17 * 15) / 1e6, prompt: 21 + 2048 + 1200, cached: 2048, completion: 17 },
  // gemini-2.5-flash: 8 × 0.30 + 17 × 2.50
  { name: "Gemini text", model: "google/gemini-2.5-flash", cost: (8 * 0.3 + 17 * 2.5) / 1e6, prompt: 8, cached: 0, completion: 17 },
  // gemini-2.5-pro: 64 × 1.25 + (30 candidates + 45 thoughts) × 10
  { name: "Gemini thoughts tokens", model: "google/gemini-2.5-pro", cost: (64 * 1.25 + 75 * 10) / 1e6, prompt: 64, cached: 0, completion: 75 },
];

describe("exact cost per provider format", () => {
  for (const c of cases) {
    it(`${c.name}: body, header and stream agree`, async () => {
      const { data, response } = await client.chat.completions.create({ model: c.model, ...ask }).withResponse();
      const usage = data.usage as OpenAI.CompletionUsage & { cost?: number };
      expect(usage.prompt_tokens).toBe(c.prompt);
      expect(usage.prompt_tokens_details?.cached_tokens ?? 0).toBe(c.cached);
      expect(usage.completion_tokens).toBe(c.completion);
      expect(usage.cost).toBeCloseTo(c.cost, 12);
      expect(Number(response.headers.get("x-switchyard-cost-usd"))).toBeCloseTo(c.cost, 12);

      const stream = await client.chat.completions.create({ model: c.model, ...ask, stream: true, stream_options: { include_usage: true } });
      const parts: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const part of stream) parts.push(part);
      const last = parts.at(-1);
      // As OpenAI's own: `"usage": null` on every chunk before the usage chunk.
      expect(parts.slice(0, -1).map((part) => part.usage)).toEqual(parts.slice(0, -1).map(() => null));
      const streamed = last!.usage as OpenAI.CompletionUsage & { cost?: number };
      expect(streamed.cost).toBe(usage.cost);
      expect(streamed.prompt_tokens).toBe(usage.prompt_tokens);
      expect(streamed.completion_tokens).toBe(usage.completion_tokens);
    });
  }
});

describe("unpriced and estimated", () => {
  it("flags a model without a price instead of charging $0", async () => {
    const { data, response } = await client.chat.completions.create({ model: "mystery/unknown-vendor/model-x", ...ask }).withResponse();
    expect((data.usage as { cost?: number }).cost).toBeUndefined();
    expect(response.headers.get("x-switchyard-cost-usd")).toBeNull();
    expect(response.headers.get("x-switchyard-unpriced")).toBe("true");
    const metrics = await (await gateway.fetch("http://gw/metrics")).text();
    expect(metrics).toMatch(/switchyard_unpriced_requests_total\{[^}]*provider="mystery"[^}]*\} 1/);
    // A stream says so in its headers too: whether the model has a price is known before it starts.
    const streamed = await client.chat.completions.create({ model: "mystery/unknown-vendor/model-x", ...ask, stream: true }).withResponse();
    for await (const _ of streamed.data) void _;
    expect(streamed.response.headers.get("x-switchyard-unpriced")).toBe("true");
    const priced = await client.chat.completions.create({ model: "local/llama3", ...ask, stream: true }).withResponse();
    for await (const _ of priced.data) void _;
    expect(priced.response.headers.get("x-switchyard-unpriced")).toBeNull();
  });

  it("prices local models at an explicit zero", async () => {
    const { data, response } = await client.chat.completions.create({ model: "local/llama3", ...ask }).withResponse();
    expect((data.usage as { cost?: number }).cost).toBe(0);
    expect(response.headers.get("x-switchyard-cost-usd")).toBe("0");
  });

  it("estimates with a tokenizer when a stream reports no usage, and says so", async () => {
    openai.handle((_request, res) => sendSse(res, [chunk("m", { role: "assistant", content: "" }), chunk("m", { content: "Hello there" }), chunk("m", {}, "stop")].map((e) => JSON.stringify(e)).concat("[DONE]")));
    try {
      const stream = await client.chat.completions.create({ model: "oai/gpt-4o-mini", ...ask, stream: true, stream_options: { include_usage: true } });
      let last: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
      for await (const part of stream) last = part;
      expect(last!.usage!.completion_tokens).toBeGreaterThan(0);
      expect(last!.usage!.prompt_tokens).toBeGreaterThan(0);
      const { data: rows } = (await (await gateway.fetch("http://gw/admin/requests?limit=1")).json()) as { data: Array<{ estimated: boolean; stream: boolean }> };
      expect(rows[0]).toMatchObject({ estimated: true, stream: true });
    } finally {
      openai.handle(echoHandler);
    }
  });
});

describe("the ledger", () => {
  it("has exactly one row per finished request, failures included", async () => {
    const before = await rowCount();
    openai.handle((request, res) => (String(request.body?.model).startsWith("fail") ? sendJson(res, 400, { error: { message: "bad", type: "invalid_request_error" } }) : echoHandler(request, res)));
    try {
      const calls = Array.from({ length: 120 }, (_, i) => {
        const model = i % 4 === 0 ? "oai/fail-model" : "oai/gpt-4o-mini";
        return i % 3 === 0
          ? client.chat.completions.create({ model, ...ask, stream: true }).then(async (s) => { for await (const _ of s) void _; }).catch(() => undefined)
          : client.chat.completions.create({ model, ...ask }).catch(() => undefined);
      });
      await Promise.all(calls);
      expect(await rowCount()).toBe(before + 120);
    } finally {
      openai.handle(echoHandler);
    }
  });

  it("keeps one row per request when a client reuses its x-request-id", async () => {
    const sent = await Promise.all(
      Array.from({ length: 2 }, () =>
        client.chat.completions
          .create({ model: "oai/gpt-4o-mini", ...ask }, { headers: { "x-request-id": "client-reused-7" } })
          .withResponse()
          .then(({ response }) => response.headers.get("x-request-id")),
      ),
    );
    expect(sent).toEqual(["client-reused-7", "client-reused-7"]);
    const { data } = (await (await gateway.fetch("http://gw/admin/requests?limit=1000")).json()) as { data: Array<{ id: string; request_id: string }> };
    const rows = data.filter((row) => row.request_id === "client-reused-7");
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((row) => row.id)).size).toBe(2);
    expect(rows.every((row) => row.id !== "client-reused-7")).toBe(true);
  });

  it("groups spend by model with hand-computed totals", async () => {
    const response = await gateway.fetch("http://gw/admin/spend?group_by=provider");
    const { data } = (await response.json()) as { data: Array<{ group: string; requests: number; cost_usd: number }> };
    const claude = data.find((row) => row.group === "claude")!;
    // Four requests (stream and non-stream) on the two Anthropic cache fixtures.
    expect(claude.requests).toBe(4);
    expect(claude.cost_usd).toBeCloseTo(2 * cases[1]!.cost + 2 * cases[2]!.cost, 10);
  });

  it("a bare date as `to` reaches through that whole day", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const spend = async (query: string) =>
      ((await (await gateway.fetch(`http://gw/admin/spend?group_by=provider&${query}`)).json()) as { data: Array<{ group: string; requests: number }> }).data;
    const sameDay = await spend(`from=${today}&to=${today}`);
    expect(sameDay.find((row) => row.group === "claude")?.requests).toBe(4);
    expect(await spend(`from=${today}&to=${Date.now() - 86_400_000}`)).toEqual([]);
  });
});

async function rowCount(): Promise<number> {
  let count = 0;
  let before: number | undefined;
  for (;;) {
    const url = `http://gw/admin/requests?limit=1000${before ? `&before=${before}` : ""}`;
    const { data } = (await (await gateway.fetch(url)).json()) as { data: Array<{ ts: number }> };
    count += data.length;
    if (data.length < 1000) return count;
    before = data[data.length - 1]!.ts;
  }
}
