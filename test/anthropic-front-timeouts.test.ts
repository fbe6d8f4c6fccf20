/**
 * Timeouts through `/v1/messages`, seen by the official Anthropic SDK: one
 * before any answer is a 504 `timeout_error` (Anthropic's type for that status),
 * and one in the middle of a stream ends it with an `error` event of the same
 * type, not `api_error`.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chunk, type FakeHandler } from "./helpers/fake-upstream.js";
import { startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./helpers/gateway-fixture.js";
import { textThenFailure } from "./helpers/sdk-stream.js";

/** Streams one piece of text, then goes silent; a plain request gets no answer at all. */
const handler: FakeHandler = (request, res) => {
  if (request.body?.stream !== true) return;
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const event of [chunk("m", { role: "assistant", content: "" }), chunk("m", { content: "Partial" })]) res.write(`data: ${JSON.stringify(event)}\n\n`);
};

let fixture: GatewayFixture;
let client: Anthropic;

beforeAll(async () => {
  fixture = await startGatewayFixture({
    handler,
    config: (upstream) => ({
      providers: { slow: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY, timeout_ms: 400, first_token_timeout_ms: 2_000, stream_idle_timeout_ms: 300 } },
    }),
  });
  client = new Anthropic({ apiKey: "x", baseURL: fixture.server.url, maxRetries: 0 });
});
afterAll(async () => {
  await fixture?.close();
});

const request = { model: "slow/m", max_tokens: 32, messages: [{ role: "user" as const, content: "Hi" }] };

it("ends a stream whose upstream goes silent with a timeout_error event", async () => {
  const { deltas, failure } = await textThenFailure(client.messages.stream(request));
  expect(deltas).toEqual(["Partial"]);
  expect(failure).toBeInstanceOf(Anthropic.APIError);
  const error = failure as InstanceType<typeof Anthropic.APIError>;
  expect(error.type).toBe("timeout_error");
  expect(error.error).toMatchObject({ type: "error", error: { type: "timeout_error", message: expect.stringContaining("sent no stream event for 300 ms") } });
});

it("answers a request the upstream does not answer in time with 504 timeout_error", async () => {
  const failure = await client.messages.create(request).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(Anthropic.InternalServerError);
  expect(failure).toMatchObject({ status: 504, type: "timeout_error" });
});
