/**
 * Hosts' request and answer quirks: field names (OpenAI's max_completion_tokens,
 * Mistral's max_tokens), Mistral's nine-character tool-call ids and loose tool
 * calls, Azure's leading prompt-filter chunk, and Mistral's rate-limit headers.
 */
import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../core/chat.js";
import type { ProviderSettings } from "./adapter.js";
import { createOpenAICompatibleAdapter } from "./openai-compatible.js";
import { OPENAI_PRESETS, type OpenAIPresetName } from "./presets.js";

function adapterFor(type: OpenAIPresetName) {
  const settings: ProviderSettings = { name: type, type, origin: "https://example.test", basePath: "/v1", apiKeys: ["k1"], headers: {} };
  return createOpenAICompatibleAdapter(type, OPENAI_PRESETS[type], settings);
}
const sent = (type: OpenAIPresetName, request: ChatRequest) => JSON.parse(adapterFor(type).chatRequest(request, { model: "m", apiKey: "k1" }).body!);
const user = { role: "user" as const, content: "hi" };

describe("request field names", () => {
  it("openai and azure send max_completion_tokens (reasoning models refuse max_tokens); a value under the new name wins", () => {
    for (const type of ["openai", "azure"] as const) {
      expect(sent(type, { model: "a", messages: [user], max_tokens: 100 })).toMatchObject({ max_completion_tokens: 100 });
      expect(sent(type, { model: "a", messages: [user], max_tokens: 100 })).not.toHaveProperty("max_tokens");
      expect(sent(type, { model: "a", messages: [user], max_tokens: 100, max_completion_tokens: 50 })).toMatchObject({ max_completion_tokens: 50 });
    }
    // Other hosts keep what the client wrote.
    expect(sent("openai-compatible", { model: "a", messages: [user], max_tokens: 100 })).toMatchObject({ max_tokens: 100 });
  });

  it("mistral gets max_tokens and random_seed, and no top_k or thinking (it refuses unknown fields)", () => {
    const body = sent("mistral", { model: "a", messages: [user], max_completion_tokens: 50, seed: 42, top_k: 5, thinking: { type: "enabled" } } as ChatRequest);
    expect(body).toMatchObject({ max_tokens: 50, random_seed: 42 });
    for (const field of ["max_completion_tokens", "seed", "top_k", "thinking", "stream_options"]) expect(body).not.toHaveProperty(field);
  });

  it("mistral gets assistant turns without an answer's reasoning_content, refusal or annotations, and no store (it refuses each with 422 extra_forbidden); the client's messages are left as they were", () => {
    const history: ChatRequest["messages"] = [user, { role: "assistant", content: "4", reasoning_content: "2+2", refusal: null, annotations: [] } as ChatRequest["messages"][number], { role: "user", content: "and 3+3?" }];
    const body = sent("mistral", { model: "a", messages: history, store: false } as ChatRequest);
    expect(body.messages[1]).toEqual({ role: "assistant", content: "4" });
    expect(body).not.toHaveProperty("store");
    expect(history[1]!.reasoning_content).toBe("2+2");
    // DeepSeek needs it back (thinking-mode tool calls), so other hosts keep it.
    expect(sent("deepseek", { model: "a", messages: history }).messages[1]).toMatchObject({ role: "assistant", content: "4", reasoning_content: "2+2" });
  });

  it("mistral gets nine-character tool-call ids, the same for a call and its result; the client's messages are left as they were", () => {
    const history: ChatRequest["messages"] = [
      user,
      { role: "assistant", content: null, tool_calls: [{ id: "call_abc123def456ghi789", type: "function", function: { name: "f", arguments: "{}" } }, { id: "D681PevKs", type: "function", function: { name: "g", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_abc123def456ghi789", content: "1" },
      { role: "tool", tool_call_id: "D681PevKs", content: "2" },
    ];
    const body = sent("mistral", { model: "a", messages: history });
    const [first, second] = body.messages[1].tool_calls;
    expect(first.id).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(body.messages[2].tool_call_id).toBe(first.id);
    expect(second.id).toBe("D681PevKs");
    expect(body.messages[3].tool_call_id).toBe("D681PevKs");
    expect(history[1]!.tool_calls![0]!.id).toBe("call_abc123def456ghi789");
  });
});

describe("answers", () => {
  it("mistral tool calls without type, or with object arguments, come back as OpenAI's format requires, whole and streamed", () => {
    const call = { id: "D681PevKs", function: { name: "get_weather", arguments: { city: "Paris" } }, index: 0 };
    const whole = adapterFor("mistral").chatResponse(
      { id: "m1", object: "chat.completion", created: 1, model: "mistral-small", choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [structuredClone(call)] }, finish_reason: "tool_calls" }] },
      { model: "m", apiKey: "k1" },
    );
    expect(whole.completion.choices[0]!.message.tool_calls![0]).toMatchObject({ type: "function", function: { arguments: '{"city":"Paris"}' } });
    expect(whole.sourceText).toBeUndefined();

    const translator = adapterFor("mistral").chatStream({ model: "a", messages: [user] }, { model: "m", apiKey: "k1" });
    const delta = { id: "m2", object: "chat.completion.chunk", created: 1, model: "mistral-small", choices: [{ index: 0, delta: { tool_calls: [structuredClone(call)] }, finish_reason: null }] };
    const [chunk] = translator.push({ data: JSON.stringify(delta) });
    expect((chunk as { choices: Array<{ delta: { tool_calls: unknown[] } }> }).choices[0]!.delta.tool_calls[0]).toMatchObject({ type: "function", function: { arguments: '{"city":"Paris"}' } });
  });

  it("azure's leading prompt-filter chunk (no choices, no usage, empty id and model) is not passed on", () => {
    const translator = adapterFor("azure").chatStream({ model: "a", messages: [user], stream: true }, { model: "m", apiKey: "k1" });
    expect(translator.push({ data: '{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}' })).toEqual([]);
  });
});

describe("paths", () => {
  it("azure refuses a deployment named . or .. (it would move up the URL path), and encodes other names", () => {
    const azure = adapterFor("azure");
    for (const model of [".", ".."]) expect(() => azure.chatRequest({ model: "a", messages: [user] }, { model, apiKey: "k1" })).toThrow(/Invalid deployment name/);
    expect(azure.chatRequest({ model: "a", messages: [user] }, { model: "gpt-4.1/x", apiKey: "k1" }).path).toContain("/openai/deployments/gpt-4.1%2Fx/chat/completions");
  });

  it("ollama with base_url naming the server alone (http://127.0.0.1:11434) is reached at its OpenAI-compatible /v1; a path given is kept, and the model list is read beside it", () => {
    const at = (type: OpenAIPresetName, basePath: string) =>
      createOpenAICompatibleAdapter(type, OPENAI_PRESETS[type], { name: type, type, origin: "http://127.0.0.1:11434", basePath, apiKeys: [], headers: {} });
    const context = { model: "llama3.2", apiKey: undefined };
    expect(at("ollama", "").chatRequest({ model: "a", messages: [user] }, context).path).toBe("/v1/chat/completions");
    expect(at("ollama", "").embeddingsRequest!({ model: "a", input: "x" }, context).path).toBe("/v1/embeddings");
    expect(at("ollama", "").modelsRequest!().path).toBe("/api/tags");
    expect(at("ollama", "/proxy/v1").chatRequest({ model: "a", messages: [user] }, context).path).toBe("/proxy/v1/chat/completions");
    expect(at("ollama", "/proxy/v1").modelsRequest!().path).toBe("/proxy/api/tags");
    expect(at("ollama", "/v1").modelsRequest!().path).toBe("/api/tags");
    // A generic server's root is where its owner says it is.
    expect(at("openai-compatible", "").chatRequest({ model: "a", messages: [user] }, context).path).toBe("/chat/completions");
  });
});

describe("rate-limit headers", () => {
  const now = 1_000_000;

  it("mistral's per-minute headers are read; a spent window steps aside for at most a minute (Mistral sends no reset)", () => {
    const state = adapterFor("mistral").rateLimit!({
      "x-ratelimit-limit-req-minute": "60", "x-ratelimit-remaining-req-minute": "0",
      "x-ratelimit-limit-tokens-minute": "500000", "x-ratelimit-remaining-tokens-minute": "420000",
      "x-ratelimit-limit-tokens-month": "1000000000", "x-ratelimit-remaining-tokens-month": "999000000",
    }, now);
    expect(state).toEqual({
      requestsLimit: 60, requestsRemaining: 0, requestsResetAt: now + 60_000,
      tokensLimit: 500_000, tokensRemaining: 420_000, tokensResetAt: undefined, observedAt: now,
    });
    expect(adapterFor("mistral").rateLimit!({ "x-ratelimit-remaining-tokens-minute": "0", "retry-after": "3" }, now)).toMatchObject({ tokensRemaining: 0, tokensResetAt: now + 60_000, retryAfterAt: now + 3000 });
  });

  it("mistral behind a proxy that speaks OpenAI's dialect, and other hosts, are read as OpenAI's", () => {
    const openaiStyle = { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s" };
    expect(adapterFor("mistral").rateLimit!(openaiStyle, now)).toMatchObject({ requestsRemaining: 0, requestsResetAt: now + 2000 });
    expect(adapterFor("groq").rateLimit!(openaiStyle, now)).toMatchObject({ requestsRemaining: 0, requestsResetAt: now + 2000 });
    expect(adapterFor("groq").rateLimit!({ "x-ratelimit-remaining-req-minute": "0" }, now)).toBeUndefined();
    expect(adapterFor("mistral").rateLimit!({}, now)).toBeUndefined();
  });
});
