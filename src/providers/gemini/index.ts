/**
 * The Google Gemini API adapter (`type: gemini`, generativelanguage v1beta,
 * API key). The key travels only in `x-goog-api-key`, never in a URL.
 *
 * @example
 * providers:
 *   gemini: { type: gemini, api_key: env:GEMINI_API_KEY }
 */
import type { ChatRequest } from "../../core/chat.js";
import type { CallContext, ProviderAdapter, ProviderSettings, UpstreamRequest } from "../adapter.js";
import { headersPerKey } from "../headers-per-key.js";
import type { ProviderType } from "../registry.js";
import { fromGeminiEmbeddings, toGeminiEmbeddings } from "./embeddings.js";
import { geminiError, geminiRateLimit } from "./errors.js";
import { toGeminiRequest } from "./request.js";
import { translateResponse } from "./response.js";
import { GeminiStreamTranslator } from "./stream.js";

/** Model ids as the API lists them carry a `models/` prefix; configs may too. */
function bareModel(model: string): string {
  return model.startsWith("models/") ? model.slice("models/".length) : model;
}

export function createGeminiAdapter(settings: ProviderSettings): ProviderAdapter {
  const headers = headersPerKey((apiKey) => ({ "content-type": "application/json", ...settings.headers, ...(apiKey ? { "x-goog-api-key": apiKey } : {}) }));

  function modelPath(model: string, method: string): string {
    return `${settings.basePath}/models/${encodeURIComponent(bareModel(model))}:${method}`;
  }

  return {
    type: "gemini",

    chatRequest(request: ChatRequest, context: CallContext): UpstreamRequest {
      const body = toGeminiRequest(request, bareModel(context.model));
      const path = request.stream === true ? `${modelPath(context.model, "streamGenerateContent")}?alt=sse` : modelPath(context.model, "generateContent");
      return { method: "POST", path, headers: headers(context.apiKey), body: JSON.stringify(body) };
    },

    chatResponse(body, context) {
      return translateResponse(body, context, settings.name);
    },

    chatStream(_request, context) {
      return new GeminiStreamTranslator(settings.name, context.model);
    },

    embeddingsRequest(request, context) {
      const call = toGeminiEmbeddings(request, bareModel(context.model));
      return { method: "POST", path: modelPath(context.model, call.operation), headers: headers(context.apiKey), body: JSON.stringify(call.body) };
    },

    embeddingsResponse(body, context, request) {
      return fromGeminiEmbeddings(body, request, context.model, settings.name);
    },

    // batchEmbedContents refuses more than 100 requests in one call.
    embeddingsBatchLimit: 100,

    modelsRequest() {
      return { method: "GET", path: `${settings.basePath}/models?pageSize=1000`, headers: headers(settings.apiKeys[0]) };
    },

    modelsResponse(body) {
      const models = (body as { models?: unknown } | null)?.models;
      if (!Array.isArray(models)) return [];
      return models.flatMap((entry: { name?: unknown; supportedGenerationMethods?: unknown }) => {
        const methods = Array.isArray(entry?.supportedGenerationMethods) ? entry.supportedGenerationMethods : [];
        const usable = methods.includes("generateContent") || methods.includes("embedContent");
        return usable && typeof entry.name === "string" ? [bareModel(entry.name)] : [];
      });
    },

    error(status, responseHeaders, bodyText) {
      return geminiError(settings.name, status, responseHeaders, bodyText);
    },

    rateLimit(responseHeaders, now) {
      return geminiRateLimit(responseHeaders, now);
    },
  };
}

export const geminiProviderType: ProviderType = {
  baseUrl: "https://generativelanguage.googleapis.com/v1beta",
  keyRequired: true,
  envKey: "GEMINI_API_KEY",
  create: createGeminiAdapter,
};
