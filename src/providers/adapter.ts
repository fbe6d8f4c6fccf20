/**
 * The provider adapter contract: pure translation between the canonical
 * (OpenAI-shaped) types and one provider's wire format, plus auth headers and
 * error / rate-limit normalization. Adapters never do I/O; the shared transport does.
 */
import type { DataFrames } from "../transport/sse.js";
import type { RawHeaders } from "../transport/raw-headers.js";
import type { StreamItem } from "../core/chunk-text.js";
import type { ChatCompletion, ChatRequest } from "../core/chat.js";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../core/embeddings.js";
import type { GatewayError } from "../core/errors.js";
import type { MappedFinishReason } from "../core/finish-reason.js";
import type { RateLimitState } from "../core/rate-limit.js";
import type { OpenAIUsage, Usage } from "../core/usage.js";

/**
 * An upstream answer's headers: the transport's lazily decoded list, or a plain
 * record (tests, embedders). Read them through `headerValue` (retry-after.ts).
 */
export type HeaderBag = Record<string, string | string[] | undefined> | RawHeaders;

/** An HTTP request to send upstream; `path` is relative to the provider's origin and includes any query. */
export interface UpstreamRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A provider as configured, with secrets already resolved. */
export interface ProviderSettings {
  /** The name used in config and in `provider/model` ids. */
  name: string;
  type: string;
  /** Origin only, e.g. `https://api.openai.com`. */
  origin: string;
  /** Path prefix under the origin, e.g. `/v1` (no trailing slash; may be empty). */
  basePath: string;
  apiKeys: string[];
  apiVersion?: string;
  /** Extra headers sent on every upstream request (e.g. OpenAI-Organization). */
  headers: Record<string, string>;
}

/** What one attempt needs to know besides the request. */
export interface CallContext {
  /** The upstream model id (after alias resolution). */
  model: string;
  /** The credential chosen for this attempt, if the provider takes one. */
  apiKey: string | undefined;
}

export interface ChatResult {
  completion: ChatCompletion;
  /** Canonical usage, when the upstream reported it. */
  usage: Usage | undefined;
  finishReason: MappedFinishReason | undefined;
  /**
   * The upstream's JSON text, when `completion` still says exactly what it
   * says (usage aside): the gateway may then splice its own usage into it
   * instead of serializing the completion again.
   */
  sourceText?: string;
}

export interface EmbeddingsResult {
  response: EmbeddingsResponse;
  usage: Usage | undefined;
  /** The upstream's JSON text, when `response` still says exactly what it says (see `ChatResult.sourceText`). */
  sourceText?: string;
}

/** One server-sent event as framed by the transport. */
export interface SseEvent {
  event?: string | undefined;
  data: string;
}

/**
 * Translates one upstream stream into canonical chunks, one event at a time.
 * Usage is collected, not emitted: the gateway writes the single final usage chunk.
 */
export interface StreamTranslator {
  /** Chunks produced by this event (often none). Throws a GatewayError for an in-stream error. */
  push(event: SseEvent): StreamItem[];
  /**
   * Optional: a whole read of `data:` frames at once, so frames the translator
   * does not change can pass through as text; what they produce is appended to
   * `into` (kept when a later frame throws). Without it each frame goes through `push`.
   */
  pushFrames?(frames: DataFrames, into: StreamItem[]): void;
  /** The upstream body ended: remaining chunks. Throws when the stream was cut short. */
  end(): StreamItem[];
  readonly usage: Usage | undefined;
  /**
   * false while `usage` is not the upstream's final count (Anthropic's `message_start` says one
   * output token until `message_delta` brings the total): a stream cut short then counts its output
   * locally. Absent: whatever usage was reported is final.
   */
  readonly usageFinal?: boolean;
  /** The upstream's own OpenAI-shaped usage object, when it sent one: its extra fields reach the client. */
  readonly upstreamUsage?: OpenAIUsage;
  readonly finishReason: MappedFinishReason | undefined;
}

export interface ProviderAdapter {
  readonly type: string;
  chatRequest(request: ChatRequest, context: CallContext): UpstreamRequest;
  /** `text` is the JSON text `body` was parsed from: an adapter that forwards the answer unchanged hands it on as `sourceText`. */
  chatResponse(body: unknown, context: CallContext, text?: string): ChatResult;
  chatStream(request: ChatRequest, context: CallContext): StreamTranslator;
  /** Optional capability: embeddings. */
  embeddingsRequest?(request: EmbeddingsRequest, context: CallContext): UpstreamRequest;
  embeddingsResponse?(body: unknown, context: CallContext, request: EmbeddingsRequest, text?: string): EmbeddingsResult;
  /** The most inputs one embeddings call takes, when the provider has a limit below OpenAI's 2,048: longer lists go up in parts. */
  readonly embeddingsBatchLimit?: number;
  /** Optional capability: the provider counts a request's input tokens itself (Anthropic's count_tokens). */
  countTokensRequest?(request: ChatRequest, context: CallContext): UpstreamRequest;
  /** The input token count of a count-tokens answer; undefined when it holds none. */
  countTokensResponse?(body: unknown): number | undefined;
  /** Optional capability: list the upstream's models. */
  modelsRequest?(): UpstreamRequest;
  modelsResponse?(body: unknown): string[];
  /** Normalizes a non-2xx upstream answer. `bodyText` is already redacted. */
  error(status: number, headers: HeaderBag, bodyText: string): GatewayError;
  /** Reads rate-limit headers; undefined when the provider sent none. */
  rateLimit(headers: HeaderBag, now: number): RateLimitState | undefined;
}
