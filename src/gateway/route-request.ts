/**
 * What the router needs to know about a request, taken from the body (OpenRouter
 * fields, `metadata.tags`) and the HTTP layer (`x-switchyard-tags`).
 */
import { newRequestId } from "../core/request-id.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import type { ChatRequest } from "../core/chat.js";
import type { ProviderPreferences } from "../router/provider-preferences.js";
import type { RouteRequest } from "../router/router.js";

/** Request facts the HTTP layer knows and the body does not. */
export interface RequestMeta {
  requestId: string;
  /** `requestId` is the client's own `x-request-id`, which it may reuse: the ledger row then gets an id of its own. */
  clientRequestId: boolean;
  /** Virtual key id, when the caller used one. */
  keyId: string | null;
  /** The caller's virtual key: its scopes, limits and budget apply. */
  key?: VirtualKey;
  tags: string[];
  /** Size of the request body as received: a free prompt-size estimate (tools included). */
  bodyBytes?: number;
}

/** Embedded calls: a fresh id, no key, no tags. */
export function embeddedMeta(): RequestMeta {
  return { requestId: newRequestId(), clientRequestId: false, keyId: null, tags: [] };
}

export function tagsFromHeader(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(",") : value;
  return text ? text.split(",").map((tag) => tag.trim()).filter(Boolean) : [];
}

function metadataTags(request: { metadata?: unknown }): string[] {
  const tags = (request.metadata as { tags?: unknown } | null | undefined)?.tags;
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === "string") : [];
}

/** Rough token count (4 characters a token) for routing decisions, when the raw body size is unknown. */
export function approximatePromptTokens(request: { messages?: unknown; input?: unknown }): number {
  return Math.ceil(JSON.stringify(request.messages ?? request.input ?? "").length / 4);
}

export function routeRequestOf(request: ChatRequest | { model: string; input: unknown }, meta: RequestMeta, stream: boolean): RouteRequest {
  let estimate: number | undefined;
  const body = request as ChatRequest;
  return {
    model: request.model,
    models: Array.isArray(body.models) ? (body.models as string[]) : undefined,
    provider: body.provider as ProviderPreferences | undefined,
    tags: [...meta.tags, ...metadataTags(body)],
    promptTokens: () => (estimate ??= meta.bodyBytes !== undefined ? Math.ceil(meta.bodyBytes / 4) : approximatePromptTokens(body)),
    maxOutputTokens: (body.max_completion_tokens ?? body.max_tokens) ?? undefined,
    stream,
  };
}
