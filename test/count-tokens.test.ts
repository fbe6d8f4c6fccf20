/**
 * `POST /v1/messages/count_tokens` through the official Anthropic SDK: an
 * Anthropic deployment counts (the request it receives holds only what the
 * endpoint accepts), any other deployment or a failed count gets a local
 * estimate that says so, and a virtual key's model scope and request limit
 * (rpm) apply, while its tokens limit, budget and the ledger are left alone.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { echoHandler, sendJson, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { ledgerRows } from "./helpers/ledger-rows.js";
import { sendRecorded } from "./helpers/provider-fixtures.js";

const MASTER = "sk-master-count-tokens-0001";
let anthropic: FakeUpstream;
let openai: FakeUpstream;
let gateway: Gateway;
let client: Anthropic;

beforeAll(async () => {
  [anthropic, openai] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
  openai.handle(echoHandler);
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      server: { master_key: MASTER },
      storage: { url: "memory://" },
      providers: {
        claude: { type: "anthropic", base_url: `${anthropic.url}/v1`, api_key: "sk-ant-test-000000000000" },
        fake: { type: "openai-compatible", base_url: openai.baseUrl, api_key: "sk-test-upstream-000000" },
      },
      models: { smart: { deployments: [{ provider: "claude", model: "claude-sonnet-4-5" }] } },
    },
  });
  client = new Anthropic({ apiKey: MASTER, baseURL: "http://gw", fetch: gateway.fetch, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([anthropic.close(), openai.close()]);
});
beforeEach(() => {
  anthropic.requests.length = 0;
  openai.requests.length = 0;
  anthropic.handle((_request, res) => sendJson(res, 200, { input_tokens: 321 }));
});

const params = (model: string): Anthropic.MessageCountTokensParams => ({
  model,
  system: [{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }],
  messages: [{ role: "user", content: "How many tokens is this?" }],
  tools: [{ name: "lookup", description: "Look a word up", input_schema: { type: "object", properties: { word: { type: "string" } } } }],
  thinking: { type: "enabled", budget_tokens: 1024 },
});

describe("count_tokens", () => {
  it("asks an Anthropic deployment, sending only the fields its endpoint takes", async () => {
    const { data, response } = await client.messages.countTokens(params("smart")).withResponse();
    expect(data.input_tokens).toBe(321);
    expect(response.headers.get("x-switchyard-estimated")).toBe("false");
    const sent = anthropic.requests[0]!;
    expect(sent.url).toBe("/v1/messages/count_tokens");
    expect(sent.headers["x-api-key"]).toBe("sk-ant-test-000000000000");
    expect(Object.keys(sent.body!).sort()).toEqual(["messages", "model", "system", "thinking", "tools"]);
    expect(sent.body).toMatchObject({ model: "claude-sonnet-4-5", thinking: { type: "enabled", budget_tokens: 1024 } });
  });

  it("estimates locally for a provider that cannot count, and when the count fails", async () => {
    const estimated = await client.messages.countTokens(params("fake/gpt-4o-mini")).withResponse();
    expect(estimated.response.headers.get("x-switchyard-estimated")).toBe("true");
    expect(estimated.data.input_tokens).toBeGreaterThan(20);
    expect(openai.requests).toHaveLength(0);

    anthropic.handle((_request, res) => sendJson(res, 529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }));
    const fallback = await client.messages.countTokens(params("smart")).withResponse();
    expect(fallback.response.headers.get("x-switchyard-estimated")).toBe("true");
    expect(fallback.data.input_tokens).toBe(estimated.data.input_tokens);
  });

  it("applies a virtual key's model scope, in Anthropic's error shape", async () => {
    const key = (await gateway.admin("POST", "/admin/keys", { name: "scoped", models: ["fake/*"] })) as { key: string };
    const scoped = new Anthropic({ apiKey: key.key, baseURL: "http://gw", fetch: gateway.fetch, maxRetries: 0 });
    await expect(scoped.messages.countTokens(params("smart"))).rejects.toMatchObject({ status: 403, error: { type: "error", error: { type: "permission_error" } } });
    expect((await scoped.messages.countTokens(params("fake/m"))).input_tokens).toBeGreaterThan(0);
  });

  it("refuses a request without messages with a 400", async () => {
    await expect(client.messages.countTokens({ model: "smart", messages: [] })).rejects.toMatchObject({ status: 400 });
  });
});

describe("count_tokens and a virtual key's limits", () => {
  async function clientFor(limits: Record<string, unknown>): Promise<Anthropic> {
    const key = (await gateway.admin("POST", "/admin/keys", { name: `limits-${JSON.stringify(limits)}`, ...limits })) as { key: string };
    return new Anthropic({ apiKey: key.key, baseURL: "http://gw", fetch: gateway.fetch, maxRetries: 0 });
  }
  const rateHeaders = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith("x-ratelimit-") || name === "retry-after").sort();
  const hi: Anthropic.MessageCreateParamsNonStreaming = { model: "smart", max_tokens: 16, messages: [{ role: "user", content: "hi" }] };

  it("each count takes one of the key's requests per minute; past the limit a 429 in Anthropic's shape, with the headers of the other routes' refusals", async () => {
    const client = await clientFor({ rpm: 2 });
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 2; i++) {
      const { response } = await client.messages.countTokens(params("smart")).withResponse();
      expect(response.headers.get("x-ratelimit-limit-requests")).toBe("2");
      remaining.push(response.headers.get("x-ratelimit-remaining-requests"));
    }
    expect(remaining).toEqual(["1", "0"]);
    const refused = (await client.messages.countTokens(params("smart")).catch((error: unknown) => error)) as InstanceType<typeof Anthropic.APIError>;
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect(refused.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(refused.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(refused.headers?.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(anthropic.requests).toHaveLength(2);
    // The same requests per minute as the key's messages: they are refused too, alike.
    const message = (await client.messages.create(hi).catch((error: unknown) => error)) as InstanceType<typeof Anthropic.APIError>;
    expect(message).toBeInstanceOf(Anthropic.RateLimitError);
    expect(rateHeaders(refused.headers!)).toEqual(rateHeaders(message.headers!));
    expect(anthropic.requests).toHaveLength(2);
  });

  it("uses none of the key's tokens per minute or budget, and writes no ledger row", async () => {
    anthropic.handle((request, res) => (request.url.endsWith("/count_tokens") ? sendJson(res, 200, { input_tokens: 321 }) : sendRecorded(res, "anthropic", "anthropic-text", false)));
    const rowsBefore = (await ledgerRows(gateway)).size;
    const withTokens = await clientFor({ rpm: 100, tpm: 1_000 });
    const broke = await clientFor({ budget_usd: 0 });
    for (let i = 0; i < 3; i++) {
      const { data, response } = await withTokens.messages.countTokens(params("smart")).withResponse();
      expect(data.input_tokens).toBe(321);
      expect(response.headers.get("x-ratelimit-remaining-tokens")).toBeNull();
      expect((await broke.messages.countTokens(params("smart"))).input_tokens).toBe(321);
    }
    expect((await ledgerRows(gateway)).size).toBe(rowsBefore);
    // 3 × 321 counted tokens would have left 37 of the 1,000; only this message's reservation
    // counts (max_tokens 16, and "hi" with 4 framing characters at 4 a token).
    const { response } = await withTokens.messages.create(hi).withResponse();
    expect(response.headers.get("x-ratelimit-remaining-tokens")).toBe(String(1_000 - 16 - 2));
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("96");
    expect((await ledgerRows(gateway)).size).toBe(rowsBefore + 1);
    await expect(broke.messages.create(hi)).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/Budget exceeded/) });
  });
});
