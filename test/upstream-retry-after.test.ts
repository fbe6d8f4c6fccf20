/**
 * An upstream's Retry-After, passed on once every deployment failed, is capped
 * (the SDKs sleep as long as they are told) and said in whole seconds; the
 * gateway's own waits (a budget's renewal) are not capped.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../src/core/errors.js";
import { Redactor } from "../src/core/redact.js";
import { errorReply, MAX_UPSTREAM_RETRY_AFTER_SECONDS } from "../src/gateway/http/reply.js";
import { sendJson } from "./helpers/fake-upstream.js";
import { startGatewayFixture, type GatewayFixture } from "./helpers/gateway-fixture.js";

let fixture: GatewayFixture;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  fixture = await startGatewayFixture();
  openai = new OpenAI({ apiKey: "x", baseURL: fixture.baseUrl, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "x", baseURL: fixture.server.url, maxRetries: 0 });
});
afterAll(() => fixture.close());

const DAY_SECONDS = 86_400;

function upstreamAnswers(status: number, headers: Record<string, string>): void {
  fixture.upstream.handle((_request, res) => sendJson(res, status, { error: { message: "come back later", type: "requests", code: null } }, headers));
}

async function openaiFailure(): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await openai.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "hi" }] }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

describe("an upstream's Retry-After passed on to the client", () => {
  it("is capped for a 429 asking for a day, in any of its forms", async () => {
    const forms: Array<Record<string, string>> = [
      { "retry-after": String(DAY_SECONDS) },
      { "retry-after-ms": String(DAY_SECONDS * 1000) },
      { "retry-after": new Date(Date.now() + DAY_SECONDS * 1000).toUTCString() },
      { "retry-after": "9".repeat(400) }, // Infinity once parsed
    ];
    for (const headers of forms) {
      upstreamAnswers(429, headers);
      const error = await openaiFailure();
      expect(error.status, JSON.stringify(headers)).toBe(429);
      expect(error.headers?.get("retry-after"), JSON.stringify(headers)).toBe(String(MAX_UPSTREAM_RETRY_AFTER_SECONDS));
      // Never the upstream's own millisecond wait: the openai SDK would prefer it over Retry-After.
      expect(error.headers?.get("retry-after-ms")).toBeNull();
    }
  });

  it("is capped for a 503, after the gateway moved on instead of waiting", async () => {
    upstreamAnswers(503, { "retry-after": String(DAY_SECONDS) });
    const started = Date.now();
    const error = await openaiFailure();
    expect(error.status).toBe(503);
    expect(error.headers?.get("retry-after")).toBe("60");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("is capped on the Anthropic front too", async () => {
    upstreamAnswers(429, { "retry-after": String(DAY_SECONDS) });
    const error = await anthropic.messages.create({ model: "smart", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get("retry-after")).toBe("60");
  });

  it("passes a short wait on as it is, rounded up to whole seconds", async () => {
    upstreamAnswers(429, { "retry-after-ms": "2500" });
    expect((await openaiFailure()).headers?.get("retry-after")).toBe("3");
    upstreamAnswers(429, { "retry-after": "7" });
    expect((await openaiFailure()).headers?.get("retry-after")).toBe("7");
  });
});

describe("the gateway's own Retry-After", () => {
  it("is not capped: a spent daily budget says when it renews", () => {
    const spent = new GatewayError("budget_exceeded", "Budget exceeded", { code: "budget_exceeded", retryAfterSeconds: 50_000 });
    expect(errorReply(spent, "req_1", new Redactor()).headers).toMatchObject({ "retry-after": "50000", "x-should-retry": "false" });
  });
});
