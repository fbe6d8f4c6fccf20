/**
 * The official SDKs retry a 5xx twice by default. After the gateway has itself
 * retried or failed over, each SDK retry would run the whole plan again
 * (tripling upstream calls for an outage), so such an answer says
 * `x-should-retry: false`; a single failed attempt stays retryable by the SDK.
 * A provider account out of credit (429 insufficient_quota) is not retryable either.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { sendJson } from "./helpers/fake-upstream.js";
import { startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./helpers/gateway-fixture.js";

let fixture: GatewayFixture;
let sent = 0;
const counting: typeof fetch = (input, init) => {
  sent++;
  return fetch(input, init);
};

beforeAll(async () => {
  fixture = await startGatewayFixture({
    handler: (request, res) =>
      request.body?.model === "broke"
        ? sendJson(res, 429, { error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota", param: null, code: "insufficient_quota" } })
        : sendJson(res, 500, { error: { message: "internal", type: "server_error", code: null } }),
    config: (upstream) => ({
      providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY } },
      routing: { backoff: { base_ms: 1, max_ms: 2 } },
      models: {
        retried: { retries: 2, deployments: [{ provider: "fake", model: "a" }] },
        failover: { retries: 0, deployments: [{ provider: "fake", model: "a" }, { provider: "fake", model: "b" }] },
        once: { retries: 0, deployments: [{ provider: "fake", model: "a" }] },
        quota: { retries: 0, deployments: [{ provider: "fake", model: "broke" }] },
      },
    }),
  });
});
afterAll(() => fixture.close());
beforeEach(() => {
  sent = 0;
  fixture.upstream.requests.length = 0;
});

const openai = () => new OpenAI({ apiKey: "x", baseURL: fixture.baseUrl, fetch: counting, maxRetries: 2, timeout: 5000 });

async function failure(model: string): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await openai().chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(OpenAI.InternalServerError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

it.each(["retried", "failover"])("%s: the SDK is told not to run the plan again", async (model) => {
  const error = await failure(model);
  expect(error.headers?.get("x-should-retry")).toBe("false");
  expect(sent).toBe(1);
  expect(fixture.upstream.requests).toHaveLength(3 - (model === "failover" ? 1 : 0));
});

it("one failed attempt stays retryable by the SDK", async () => {
  const error = await failure("once");
  expect(error.headers?.get("x-should-retry")).toBeNull();
  expect(sent).toBe(3);
});

it("the Anthropic front says the same", async () => {
  const anthropic = new Anthropic({ apiKey: "x", baseURL: fixture.server.url, fetch: counting, maxRetries: 2, timeout: 5000 });
  const error = await anthropic.messages.create({ model: "failover", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(Anthropic.InternalServerError);
  expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get("x-should-retry")).toBe("false");
  expect(sent).toBe(1);
});

it("a provider account out of credit is a 429 the SDK does not retry", async () => {
  const error = await openai().chat.completions.create({ model: "quota", messages: [{ role: "user", content: "hi" }] }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get("x-should-retry")).toBe("false");
  expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("insufficient_quota");
  expect(sent).toBe(1);
});
