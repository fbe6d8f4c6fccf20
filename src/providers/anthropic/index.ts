/**
 * The Anthropic Messages API adapter (`type: anthropic`).
 *
 * @example
 * ```yaml
 * providers:
 *   anthropic: { type: anthropic, api_key: env:ANTHROPIC_API_KEY }
 * ```
 */
import type { ChatRequest } from "../../core/chat.js";
import type { CallContext, ProviderAdapter, ProviderSettings, UpstreamRequest } from "../adapter.js";
import { headersPerKey } from "../headers-per-key.js";
import type { ProviderType } from "../registry.js";
import { betaHeader } from "./beta-header.js";
import { anthropicError } from "./errors.js";
import { nativeBodyOf, nativeUpstreamBody } from "./native.js";
import { parseAnthropicRateLimit } from "./rate-limit.js";
import { toAnthropicRequest } from "./request.js";
import { toChatResult } from "./response.js";
import { AnthropicStreamTranslator } from "./stream.js";

/** What Anthropic's count_tokens endpoint accepts of a Messages request. */
const COUNT_TOKENS_FIELDS = ["model", "messages", "system", "tools", "tool_choice", "thinking", "mcp_servers"] as const;

/** The API version every Messages feature used here is available under; `api_version` overrides it. */
export const ANTHROPIC_VERSION = "2023-06-01";

export function createAnthropicAdapter(settings: ProviderSettings): ProviderAdapter {
  const headers = headersPerKey((apiKey) => {
    const out: Record<string, string> = {
      "content-type": "application/json",
      "anthropic-version": settings.apiVersion ?? ANTHROPIC_VERSION,
      // Configured headers may add `anthropic-beta` or override the version; never the key.
      ...settings.headers,
    };
    if (apiKey) out["x-api-key"] = apiKey;
    return out;
  });

  // Configured headers keep the case they were written in.
  const betaKey = Object.keys(settings.headers).find((name) => name.toLowerCase() === "anthropic-beta") ?? "anthropic-beta";

  function requestHeaders(request: ChatRequest, context: CallContext): Record<string, string> {
    const shared = headers(context.apiKey);
    const beta = request.anthropic_beta === undefined ? undefined : betaHeader(shared[betaKey], request.anthropic_beta);
    // The shared headers are frozen (headers-per-key.ts): a request's betas go on a copy.
    return beta === undefined ? shared : { ...shared, [betaKey]: beta };
  }

  return {
    type: "anthropic",

    chatRequest(request: ChatRequest, context: CallContext): UpstreamRequest {
      const native = nativeBodyOf(request);
      const body = native ? nativeUpstreamBody(native, context.model) : toAnthropicRequest(request, context.model);
      if (native && request.stream === true) body.stream = true;
      return { method: "POST", path: `${settings.basePath}/messages`, headers: requestHeaders(request, context), body: JSON.stringify(body) };
    },

    countTokensRequest(request: ChatRequest, context: CallContext): UpstreamRequest {
      const native = nativeBodyOf(request);
      // The endpoint takes only what shapes the prompt; sampling fields and max_tokens are refused there.
      const full = native ?? (toAnthropicRequest(request, context.model) as unknown as Record<string, unknown>);
      const body = nativeUpstreamBody(full, context.model, COUNT_TOKENS_FIELDS);
      return { method: "POST", path: `${settings.basePath}/messages/count_tokens`, headers: requestHeaders(request, context), body: JSON.stringify(body) };
    },

    countTokensResponse(body) {
      const count = (body as { input_tokens?: unknown } | null)?.input_tokens;
      return typeof count === "number" && Number.isInteger(count) && count >= 0 ? count : undefined;
    },

    chatResponse(body, context) {
      return toChatResult(body, { provider: settings.name, model: context.model });
    },

    chatStream(request, context) {
      return new AnthropicStreamTranslator({ provider: settings.name, model: context.model }, nativeBodyOf(request) !== undefined);
    },

    modelsRequest(): UpstreamRequest {
      return { method: "GET", path: `${settings.basePath}/models?limit=1000`, headers: headers(settings.apiKeys[0]) };
    },

    modelsResponse(body) {
      const data = (body as { data?: unknown } | null)?.data;
      if (!Array.isArray(data)) return [];
      return data.map((entry) => (entry as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === "string");
    },

    error(status, responseHeaders, bodyText) {
      return anthropicError(settings.name, status, responseHeaders, bodyText);
    },

    rateLimit(responseHeaders, now) {
      return parseAnthropicRateLimit(responseHeaders, now);
    },
  };
}

export const anthropicProviderType: ProviderType = {
  baseUrl: "https://api.anthropic.com/v1",
  keyRequired: true,
  envKey: "ANTHROPIC_API_KEY",
  create: createAnthropicAdapter,
};
