import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../core/chat.js";
import type { ProviderSettings } from "./adapter.js";
import { toGeminiRequest } from "./gemini/request.js";
import { createOpenAICompatibleAdapter } from "./openai-compatible.js";
import { OPENAI_PRESETS, type OpenAIPresetName } from "./presets.js";

function openAIRequest(type: OpenAIPresetName, stop: string[]) {
  const settings: ProviderSettings = { name: `my-${type}`, type, origin: "https://example.test", basePath: "/v1", apiKeys: ["k1"], headers: {} };
  const request: ChatRequest = { model: "m", messages: [{ role: "user", content: "hi" }], stop };
  return () => createOpenAICompatibleAdapter(type, OPENAI_PRESETS[type], settings).chatRequest(request, { model: "m", apiKey: "k1" });
}

const stops = (count: number) => Array.from({ length: count }, (_, index) => `END${index}`);

describe("stop sequence limits, checked before the upstream call", () => {
  it("refuses a fifth stop sequence for OpenAI and Azure with a 400 naming the provider and its limit", () => {
    for (const type of ["openai", "azure"] as const) {
      expect(openAIRequest(type, stops(4))).not.toThrow();
      expect(openAIRequest(type, stops(5))).toThrow(
        expect.objectContaining({ kind: "bad_request", status: 400, param: "stop", message: `Provider 'my-${type}' accepts at most 4 stop sequences; this request has 5` }),
      );
    }
  });

  it("leaves hosts without a documented limit to decide for themselves", () => {
    for (const type of ["openai-compatible", "deepseek", "ollama"] as const) {
      expect(JSON.parse(openAIRequest(type, stops(8))().body!).stop).toHaveLength(8);
    }
  });

  it("refuses a sixth stop sequence for Gemini, which takes up to five", () => {
    const gemini = (count: number) => () => toGeminiRequest({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }], stop: stops(count) }, "gemini-2.5-flash");
    expect(gemini(5)().generationConfig?.stopSequences).toHaveLength(5);
    expect(gemini(6)).toThrow(expect.objectContaining({ status: 400, message: "Gemini accepts at most 5 stop sequences; this request has 6" }));
  });
});
