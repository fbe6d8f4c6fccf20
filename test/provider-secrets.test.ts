/**
 * Provider secrets end to end: a provider whose key is missing never calls its
 * upstream keyless, and a credential in a literal header never reaches a client.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendJson } from "./helpers/fake-upstream.js";
import { startGatewayFixture, type GatewayFixture } from "./helpers/gateway-fixture.js";

const HEADER_TOKEN = "tok_9f8e7d6c5b4a3210ffee";
let fixture: GatewayFixture;

beforeAll(async () => {
  delete process.env.NOPE_F;
  fixture = await startGatewayFixture({
    // The upstream echoes the header back in an error body, as some do.
    handler: (request, res) => sendJson(res, 400, { error: { message: `bad token ${String(request.headers["x-token"])}`, type: "invalid_request_error" } }),
    config: (upstream) => ({
      providers: {
        keyless: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: "env:NOPE_F" },
        local: { type: "ollama", base_url: upstream.baseUrl, api_key: "env:NOPE_F" },
        tokened: { type: "openai-compatible", base_url: upstream.baseUrl, headers: { "X-Token": HEADER_TOKEN } },
      },
    }),
  });
});
afterAll(() => fixture.close());

async function chat(model: string) {
  const response = await fetch(`${fixture.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  return { status: response.status, text: await response.text() };
}

describe("provider secrets", () => {
  it("does not send requests for providers whose api_key is missing", async () => {
    for (const model of ["keyless/m", "local/m"]) {
      // A 503 that names the disabled provider (not a 404 for a model that "does not exist"); the reason is the admin's.
      const { status, text } = await chat(model);
      expect(status).toBe(503);
      expect(JSON.parse(text)).toMatchObject({ error: { code: "provider_disabled", message: expect.stringContaining(`'${model.split("/")[0]}' is configured but disabled`) } });
      expect(text).not.toContain("NOPE_F");
    }
    expect(fixture.upstream.requests).toHaveLength(0);
  });

  it("redacts a literal header value echoed by the upstream", async () => {
    const result = await chat("tokened/m");
    expect(fixture.upstream.requests.at(-1)?.headers["x-token"]).toBe(HEADER_TOKEN);
    expect(result.text).not.toContain(HEADER_TOKEN);
    expect(result.text).toContain("[REDACTED]");
  });
});
