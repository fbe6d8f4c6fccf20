/**
 * A virtual key's rate limits, told on every answer: `x-ratelimit-*` headers
 * as OpenAI sends them, so clients can pace themselves before a 429.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, chatBody, createKey, embeddingsBody, FAKE_DEFAULT_COMPLETION_TOKENS, FAKE_PROMPT_TOKENS, messagesBody, startHarness, type Harness } from "./helpers/governance-harness.js";

const MASTER = "sy-master-ratelimit-5a4b3c2d1e0f";
const MASTER_ENV = "SY_TEST_RATELIMIT_MASTER";
process.env[MASTER_ENV] = MASTER;

const RATE_HEADERS = ["requests", "tokens"].flatMap((kind) => ["limit", "remaining", "reset"].map((what) => `x-ratelimit-${what}-${kind}`));
const RESET = /^\d+(\.\d{1,3})?s$/;
/** Tokens one chat request uses at the fake. */
const CHAT_TOKENS = FAKE_PROMPT_TOKENS + FAKE_DEFAULT_COMPLETION_TOKENS;
/** What admission reserves for `chatBody`'s "hi" (no max_tokens): 2 + 4 framing characters, at 4 a token. */
const HI_RESERVED = 2;

describe("rate-limit headers on admitted requests", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      master: MASTER,
      config: (upstream) => ({
        server: { master_key: `env:${MASTER_ENV}`, cors_origins: ["https://app.example"] },
        storage: { url: "memory://" },
        providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: "prov-key-ratelimit", models: ["gpt-fake"] } },
        models: { smart: { deployments: [{ provider: "fake", model: "gpt-fake" }] } },
      }),
    });
  });
  afterAll(() => h?.close());

  it("counts the request limit down on every route: chat, streamed chat, embeddings and the Anthropic front", async () => {
    const key = await createKey(h, { name: "rpm4", rpm: 4 });
    const answers = [
      await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") }),
      await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart", { stream: true }) }),
      await call(h, "POST", "/v1/embeddings", { key: key.secret, body: embeddingsBody("smart") }),
      await call(h, "POST", "/v1/messages", { key: key.secret, body: messagesBody("smart") }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(answers[1]!.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(answers.map((answer) => answer.headers.get("x-ratelimit-remaining-requests"))).toEqual(["3", "2", "1", "0"]);
    for (const answer of answers) {
      expect(answer.headers.get("x-ratelimit-limit-requests")).toBe("4");
      // Four requests in a burst: the quota is whole again once all four intervals of 15 s have passed.
      expect(answer.headers.get("x-ratelimit-reset-requests")).toMatch(RESET);
      expect(answer.headers.get("x-ratelimit-limit-tokens")).toBeNull();
    }
    const resets = answers.map((answer) => parseFloat(answer.headers.get("x-ratelimit-reset-requests")!));
    expect(resets[0]).toBeGreaterThan(14);
    expect(resets[3]).toBeGreaterThan(59);
    expect(resets[3]).toBeLessThanOrEqual(60);
    // The fifth is refused with the same headers.
    const refused = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");
  });

  it("reports the token window after this request's reservation, and both limits together", async () => {
    const key = await createKey(h, { name: "rpm-tpm", rpm: 100, tpm: 1_000 });
    const first = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") });
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("1000");
    expect(first.headers.get("x-ratelimit-remaining-tokens")).toBe(String(1_000 - HI_RESERVED));
    // The reservation counts for 60–61 s.
    expect(parseFloat(first.headers.get("x-ratelimit-reset-tokens")!)).toBeGreaterThan(59);
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("99");
    const second = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") });
    // The first request's reservation was settled to what it used.
    expect(second.headers.get("x-ratelimit-remaining-tokens")).toBe(String(1_000 - CHAT_TOKENS - HI_RESERVED));
    // The first request's tokens count for 60–61 s.
    const reset = parseFloat(second.headers.get("x-ratelimit-reset-tokens")!);
    expect(reset).toBeGreaterThan(59);
    expect(reset).toBeLessThanOrEqual(61);
    expect(second.headers.get("x-ratelimit-remaining-requests")).toBe("98");
  });

  it("sends none for a key without limits, nor for the master key", async () => {
    const key = await createKey(h, { name: "unlimited", budget_usd: 5 });
    for (const credential of [key.secret, MASTER]) {
      const answer = await call(h, "POST", "/v1/chat/completions", { key: credential, body: chatBody("smart") });
      expect(answer.status).toBe(200);
      for (const name of RATE_HEADERS) expect(answer.headers.get(name)).toBeNull();
    }
  });

  it("reaches the openai SDK's raw response, and browsers through CORS", async () => {
    const key = await createKey(h, { name: "sdk", rpm: 10, tpm: 500 });
    const client = new OpenAI({ apiKey: key.secret, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe("Hello");
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("9");
    expect(response.headers.get("x-ratelimit-remaining-tokens")).toBe(String(500 - HI_RESERVED));
    const stream = await client.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "hi" }], stream: true }).withResponse();
    for await (const _ of stream.data);
    expect(stream.response.headers.get("x-ratelimit-remaining-requests")).toBe("8");
    const browser = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart"), headers: { origin: "https://app.example" } });
    const exposed = browser.headers.get("access-control-expose-headers")!.split(",").map((name) => name.trim());
    for (const name of RATE_HEADERS) expect(exposed).toContain(name);
  });
});
