/**
 * `stop_sequences` through `/v1/messages` to a provider that documents a cap
 * (OpenAI: up to 4 `stop` entries): more are a clear 400 in Anthropic's error
 * shape before any upstream call; within the cap they go upstream as `stop`.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./helpers/gateway-fixture.js";

let fixture: GatewayFixture;
let client: Anthropic;

beforeAll(async () => {
  // An `openai` provider (OpenAI's own API and its limits) whose address is the fake upstream.
  fixture = await startGatewayFixture({ config: (upstream) => ({ providers: { openai: { type: "openai", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY } } }) });
  client = new Anthropic({ apiKey: "x", baseURL: fixture.server.url, maxRetries: 0 });
});
afterAll(async () => {
  await fixture?.close();
});
beforeEach(() => {
  fixture.upstream.requests.length = 0;
});

const request = (count: number) => ({
  model: "openai/gpt-4o-mini",
  max_tokens: 32,
  messages: [{ role: "user" as const, content: "Count" }],
  stop_sequences: Array.from({ length: count }, (_, index) => `STOP${index}`),
});

it("answers five stop sequences for OpenAI with 400 invalid_request_error, without calling it", async () => {
  for (const stream of [false, true]) {
    const failure = await client.messages.create({ ...request(5), stream }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
    const error = failure as InstanceType<typeof Anthropic.BadRequestError>;
    expect(error.status).toBe(400);
    expect(error.error).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "Provider 'openai' accepts at most 4 stop sequences; this request has 5" },
      request_id: expect.any(String),
    });
  }
  expect(fixture.upstream.requests).toHaveLength(0);
});

it("sends four as OpenAI's stop", async () => {
  const message = await client.messages.create(request(4));
  expect(message.content).toEqual([{ type: "text", text: "Hello!" }]);
  expect(fixture.upstream.requests[0]!.body).toMatchObject({ stop: ["STOP0", "STOP1", "STOP2", "STOP3"] });
});
