/**
 * What the official SDKs do with the gateway's budget refusals. The Anthropic
 * and OpenAI SDKs retry every 429 unless the answer carries
 * `x-should-retry: false`; Claude Code retries up to ten times, so a key whose
 * budget cannot pay for the request must say that retrying is pointless, while
 * a rate limit stays retryable.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chatBody, createKey, messagesBody, startHarness, type Harness } from "./helpers/governance-harness.js";

const MASTER = "sy-master-retry-0a1b2c3d4e5f6071";
const MASTER_ENV = "SY_TEST_RETRY_MASTER";
process.env[MASTER_ENV] = MASTER;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    master: MASTER,
    config: (upstream) => ({
      server: { master_key: `env:${MASTER_ENV}` },
      storage: { url: "sqlite::memory:" },
      providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: "prov-retry-key-000000", models: ["priced"] } },
      // Dear enough that one request's worst case exceeds the budget.
      pricing: { "fake/priced": { input: 1000, output: 1000 } },
    }),
  });
});
afterAll(async () => h.close());

/** An SDK client that counts the HTTP requests it makes, retries included, with no wait between them. */
function countingClient(secret: string): { client: Anthropic; sent: () => number } {
  let sent = 0;
  const fetchCounting: typeof fetch = (input, init) => {
    sent++;
    return fetch(input, init);
  };
  const client = new Anthropic({ apiKey: secret, baseURL: h.url, fetch: fetchCounting, maxRetries: 2 });
  return { client, sent: () => sent };
}

it("tells the SDK not to retry a request refused for its budget", async () => {
  const key = await createKey(h, { name: "tiny", budget_usd: 0.01, budget_period: "total" });
  const { client, sent } = countingClient(key.secret);
  const failure = await client.messages.create(messagesBody("fake/priced", { max_tokens: 1000 }) as Anthropic.MessageCreateParamsNonStreaming).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
  expect((failure as InstanceType<typeof Anthropic.RateLimitError>).headers.get("x-should-retry")).toBe("false");
  expect(sent()).toBe(1);
});

it("tells the OpenAI SDK the same on /v1/chat/completions", async () => {
  const key = await createKey(h, { name: "tiny-openai", budget_usd: 0.01, budget_period: "total" });
  let sent = 0;
  const fetchCounting: typeof fetch = (input, init) => {
    sent++;
    return fetch(input, init);
  };
  const client = new OpenAI({ apiKey: key.secret, baseURL: `${h.url}/v1`, fetch: fetchCounting, maxRetries: 2 });
  const failure = await client.chat.completions.create(chatBody("fake/priced", { max_tokens: 1000 }) as OpenAI.ChatCompletionCreateParamsNonStreaming).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
  expect((failure as InstanceType<typeof OpenAI.RateLimitError>).code).toBe("budget_exceeded");
  expect(sent).toBe(1);
});

it("leaves a rate-limited request retryable", async () => {
  const key = await createKey(h, { name: "slow", rpm: 1 });
  const { client } = countingClient(key.secret);
  await client.messages.create(messagesBody("fake/priced", { max_tokens: 5 }) as Anthropic.MessageCreateParamsNonStreaming);
  const limited = await fetch(`${h.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key.secret },
    body: JSON.stringify(messagesBody("fake/priced", { max_tokens: 5 })),
  });
  expect(limited.status).toBe(429);
  expect(limited.headers.get("retry-after")).not.toBeNull();
  expect(limited.headers.get("x-should-retry")).toBeNull();
});
