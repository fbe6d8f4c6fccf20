import { describe, expect, it } from "vitest";
import type { ProviderSettings } from "../adapter.js";
import { providerType, providerTypeNames } from "../registry.js";
import { ANTHROPIC_VERSION, anthropicProviderType, createAnthropicAdapter } from "./index.js";

const settings: ProviderSettings = {
  name: "claude",
  type: "anthropic",
  origin: "https://api.anthropic.com",
  basePath: "/v1",
  apiKeys: ["sk-ant-test-key"],
  headers: { "anthropic-beta": "context-1m-2025-08-07" },
};

describe("anthropic provider type", () => {
  it("is registered with its default base URL, required key and env variable", () => {
    expect(providerType("anthropic")).toBe(anthropicProviderType);
    expect(providerTypeNames()).toContain("anthropic");
    expect(anthropicProviderType).toMatchObject({ baseUrl: "https://api.anthropic.com/v1", keyRequired: true, envKey: "ANTHROPIC_API_KEY" });
  });

  it("posts to {basePath}/messages with x-api-key, anthropic-version and configured headers", () => {
    const adapter = anthropicProviderType.create(settings);
    expect(adapter.type).toBe("anthropic");
    const upstream = adapter.chatRequest(
      { model: "smart", messages: [{ role: "user", content: "Hi" }], stream: true },
      { model: "claude-haiku-4-5", apiKey: "sk-ant-test-key" },
    );
    expect(upstream).toMatchObject({ method: "POST", path: "/v1/messages" });
    expect(upstream.headers).toEqual({
      "content-type": "application/json",
      "anthropic-version": ANTHROPIC_VERSION,
      "anthropic-beta": "context-1m-2025-08-07",
      "x-api-key": "sk-ant-test-key",
    });
    expect(upstream.headers.authorization).toBeUndefined();
    expect(JSON.parse(upstream.body!)).toEqual({ model: "claude-haiku-4-5", max_tokens: 64_000, messages: [{ role: "user", content: "Hi" }], stream: true });
  });

  it("honours api_version and a custom base path; never lets headers replace the key", () => {
    const adapter = createAnthropicAdapter({ ...settings, basePath: "/anthropic/v1", apiVersion: "2024-01-01", headers: { "x-api-key": "wrong" } });
    const upstream = adapter.chatRequest({ model: "m", messages: [{ role: "user", content: "Hi" }] }, { model: "m", apiKey: "right" });
    expect(upstream.path).toBe("/anthropic/v1/messages");
    expect(upstream.headers["anthropic-version"]).toBe("2024-01-01");
    expect(upstream.headers["x-api-key"]).toBe("right");
  });

  it("lists models from GET /v1/models", () => {
    const adapter = createAnthropicAdapter(settings);
    expect(adapter.modelsRequest!()).toMatchObject({ method: "GET", path: "/v1/models?limit=1000" });
    expect(adapter.modelsRequest!().headers["x-api-key"]).toBe("sk-ant-test-key");
    const body = { data: [{ type: "model", id: "claude-sonnet-4-5-20250929", display_name: "Claude Sonnet 4.5" }, { id: 3 }], has_more: false };
    expect(adapter.modelsResponse!(body)).toEqual(["claude-sonnet-4-5-20250929"]);
    expect(adapter.modelsResponse!(null)).toEqual([]);
    expect(adapter.embeddingsRequest).toBeUndefined();
  });

  it("wires responses, streams, errors and rate limits to the provider's name", () => {
    const adapter = createAnthropicAdapter(settings);
    const context = { model: "claude-haiku-4-5", apiKey: "k" };
    const result = adapter.chatResponse(
      { id: "msg_1", type: "message", role: "assistant", content: [{ type: "text", text: "Hi" }], stop_reason: "end_turn", usage: { input_tokens: 3, output_tokens: 1 } },
      context,
    );
    expect(result.completion.model).toBe("claude-haiku-4-5");
    const stream = adapter.chatStream({ model: "smart", messages: [] }, context);
    expect(() => stream.end()).toThrow(/claude/);
    expect(adapter.error(529, {}, "{}").provider).toBe("claude");
    expect(adapter.rateLimit({ "anthropic-ratelimit-requests-remaining": "5" }, 1)).toEqual({ requestsRemaining: 5, observedAt: 1 });
  });
});
