import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateOpenAI } from "../../../test/helpers/openapi.js";
import type { ChatRequest } from "../../core/chat.js";
import type { CallContext, ProviderSettings } from "../adapter.js";
import { providerType } from "../registry.js";
import { createGeminiAdapter, geminiProviderType } from "./index.js";

const KEY = "AIzaSyTEST-not-a-real-key-0000000000";

const settings: ProviderSettings = {
  name: "gemini",
  type: "gemini",
  origin: "https://generativelanguage.googleapis.com",
  basePath: "/v1beta",
  apiKeys: [KEY],
  headers: { "x-extra": "1" },
};

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

const adapter = createGeminiAdapter(settings);
const context = (model = "gemini-2.5-flash"): CallContext => ({ model, apiKey: KEY });
const chat: ChatRequest = { model: "gemini/gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] };

describe("gemini adapter", () => {
  it("is registered as a native provider type", () => {
    expect(providerType("gemini")).toBe(geminiProviderType);
    expect(geminiProviderType).toMatchObject({
      baseUrl: "https://generativelanguage.googleapis.com/v1beta",
      keyRequired: true,
      envKey: "GEMINI_API_KEY",
    });
  });

  it("picks generateContent or streamGenerateContent?alt=sse and sends the key only in x-goog-api-key", () => {
    const plain = adapter.chatRequest(chat, context());
    expect(plain).toMatchObject({ method: "POST", path: "/v1beta/models/gemini-2.5-flash:generateContent" });
    expect(plain.headers).toEqual({ "content-type": "application/json", "x-extra": "1", "x-goog-api-key": KEY });
    const streamed = adapter.chatRequest({ ...chat, stream: true }, context("models/gemini-2.5-pro"));
    expect(streamed.path).toBe("/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    for (const request of [plain, streamed]) {
      expect(request.path).not.toContain(KEY);
      expect(request.path).not.toMatch(/[?&]key=/);
      expect(request.body).not.toContain(KEY);
    }
    expect(JSON.parse(plain.body!)).toEqual({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] });
  });

  it("keeps a model id from escaping its path segment", () => {
    expect(adapter.chatRequest(chat, context("../files?key=x")).path).toBe("/v1beta/models/..%2Ffiles%3Fkey%3Dx:generateContent");
  });

  it("lists models that can chat or embed, without the models/ prefix", () => {
    const request = adapter.modelsRequest!();
    expect(request).toEqual({ method: "GET", path: "/v1beta/models?pageSize=1000", headers: { "content-type": "application/json", "x-extra": "1", "x-goog-api-key": KEY } });
    expect(adapter.modelsResponse!(fixture("gemini-models.json"))).toEqual(["gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001"]);
    expect(adapter.modelsResponse!({})).toEqual([]);
  });

  it("embeds one input with embedContent", () => {
    const ctx = context("gemini-embedding-001");
    const input = { model: "emb", input: "hello", dimensions: 768 };
    const request = adapter.embeddingsRequest!(input, ctx);
    expect(request.path).toBe("/v1beta/models/gemini-embedding-001:embedContent");
    expect(JSON.parse(request.body!)).toEqual({ content: { parts: [{ text: "hello" }] }, outputDimensionality: 768 });
    const result = adapter.embeddingsResponse!(fixture("gemini-embed.json"), ctx, input);
    validateOpenAI("CreateEmbeddingResponse", result.response);
    expect(result.usage).toBeUndefined();
    expect(result.response).toEqual({
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.013168523, -0.008711934, -0.046782676, 0.000699695, -0.009252462] }],
      model: "gemini-embedding-001",
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  });

  it("embeds several inputs with batchEmbedContents and honours encoding_format base64", () => {
    const ctx = context("gemini-embedding-001");
    const input = { model: "emb", input: ["a", "b"], encoding_format: "base64" as const };
    const request = adapter.embeddingsRequest!(input, ctx);
    expect(request.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(JSON.parse(request.body!)).toEqual({
      requests: [
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] } },
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "b" }] } },
      ],
    });
    // OpenAI's spec models only float arrays; base64 strings are what its API (and SDK default) really use.
    const { response } = adapter.embeddingsResponse!(fixture("gemini-batch-embed.json"), ctx, input);
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    const raw = Buffer.from(response.data[1]!.embedding as string, "base64");
    const decoded = Array.from(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4));
    expect(decoded.map((value) => Number(value.toFixed(6)))).toEqual([-0.021555, 0.013751, 0.054129]);
  });

  it("returns float arrays for a batch when no encoding was asked for", () => {
    const ctx = context("gemini-embedding-001");
    const input = { model: "emb", input: ["a", "b"] };
    adapter.embeddingsRequest!(input, ctx);
    const { response } = adapter.embeddingsResponse!(fixture("gemini-batch-embed.json"), ctx, input);
    validateOpenAI("CreateEmbeddingResponse", response);
    expect(response.data[1]!.embedding).toEqual([-0.021555, 0.0137512, 0.0541285]);
  });

  it("rejects token-array embedding input", () => {
    expect(() => adapter.embeddingsRequest!({ model: "emb", input: [1, 2, 3] }, context())).toThrow(/Token-array input/);
  });

  it("translates a buffered answer and builds a stream translator", () => {
    const { completion } = adapter.chatResponse(fixture("gemini-text.json"), context());
    expect(completion.choices[0]!.message.content).toContain("scarecrow");
    const translator = adapter.chatStream({ ...chat, stream: true }, context());
    expect(translator.usage).toBeUndefined();
  });
});
