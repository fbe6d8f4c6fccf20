/**
 * One attempt against one provider: send, enforce timeouts, normalize errors,
 * and record the provider's rate-limit headers. Shared by chat and embeddings.
 */
import { CancelSource, type CancelSignal } from "../core/cancel-signal.js";
import { GatewayError, invalidResponse } from "../core/errors.js";
import type { RateLimitState } from "../core/rate-limit.js";
import type { Redactor } from "../core/redact.js";
import type { StreamItem } from "../core/chunk-text.js";
import type { HeaderBag, StreamTranslator, UpstreamRequest } from "../providers/adapter.js";
import { headerValue } from "../providers/retry-after.js";
import { ChunkDecoder } from "../providers/stream-decoder.js";
import type { ProviderRuntime, Timeouts } from "./runtime.js";

/** A signal that fires on the client's abort or after `ms`, whichever comes first. */
export class Deadline {
  private readonly controller = new CancelSource();
  private timer: NodeJS.Timeout | undefined;
  private readonly onClientAbort = () => this.controller.abort(this.clientSignal.reason);

  constructor(private readonly clientSignal: CancelSignal, ms: number, provider: string, what: string) {
    if (clientSignal.aborted) this.controller.abort(clientSignal.reason);
    else clientSignal.addEventListener("abort", this.onClientAbort, { once: true });
    this.timer = setTimeout(() => {
      this.controller.abort(new GatewayError("timeout", `Provider '${provider}' ${what} within ${ms} ms`, { provider }));
    }, ms);
  }

  get signal(): CancelSignal {
    return this.controller.signal;
  }

  /** Stops the timer; the client's abort still propagates. */
  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disarm();
    this.clientSignal.removeEventListener("abort", this.onClientAbort);
  }
}

/** Receives the rate-limit state each upstream answer reports. */
export type RateLimitObserver = (state: RateLimitState) => void;

/** Records the answer's rate-limit headers; returns the provider's error for a non-2xx answer. */
function inspectAnswer(provider: ProviderRuntime, observe: RateLimitObserver, status: number, headers: HeaderBag): ((text: string, redactor: Redactor) => GatewayError) | undefined {
  const state = provider.adapter.rateLimit(headers, Date.now());
  if (state) observe(state);
  return status >= 400 ? (text, redactor) => provider.adapter.error(status, headers, redactor.redact(text)) : undefined;
}

/** A 2xx answer's body, parsed, and the text it was parsed from (adapters that forward it unchanged reuse the text). */
export interface JsonAnswer {
  body: unknown;
  text: string;
}

function parseJson(provider: ProviderRuntime, text: string): JsonAnswer {
  try {
    return { body: JSON.parse(text), text };
  } catch {
    throw invalidResponse(provider.name, "a body that is not JSON");
  }
}

/**
 * Sends a request and returns the JSON body of a 2xx answer, within
 * `timeout_ms` for the whole call (one timer; no AbortController).
 */
export async function callJson(
  provider: ProviderRuntime,
  observe: RateLimitObserver,
  request: UpstreamRequest,
  timeouts: Timeouts,
  clientSignal: CancelSignal,
  redactor: Redactor,
): Promise<JsonAnswer> {
  const response = await provider.client.fetchText(request, {
    signal: clientSignal,
    headersTimeoutMs: timeouts.totalMs,
    bodyTimeoutMs: timeouts.totalMs,
    deadlineMs: timeouts.totalMs,
  });
  const failure = inspectAnswer(provider, observe, response.status, response.headers);
  if (failure) throw failure(response.text, redactor);
  return parseJson(provider, redactor.scrubKnown(response.text));
}

export interface OpenedStream {
  /**
   * The next non-empty batch of canonical chunks (what one read produced), in
   * arrival order; undefined once the stream is over. At once when the text is
   * there, else a promise; failures are GatewayErrors. One call at a time.
   */
  next(): StreamItem[] | undefined | Promise<StreamItem[] | undefined>;
  /** Call once the first content reached the gateway: from then on only the idle timeout applies. */
  firstTokenArrived(): void;
  /** Releases timers and listeners; aborts the upstream if still open. */
  close(): void;
  signal: CancelSignal;
}

/** A JSON answer to a stream request (a host that ignored `stream: true`): read as SSE, it would hold no event at all. */
function isJsonAnswer(headers: HeaderBag): boolean {
  const type = headerValue(headers, "content-type");
  return type !== undefined && /^\s*application\/json\s*(;|$)/i.test(type);
}

/** Opens a streaming request; resolves once the upstream answered 2xx with an event stream. */
export async function openStream(
  provider: ProviderRuntime,
  observe: RateLimitObserver,
  request: UpstreamRequest,
  translator: StreamTranslator,
  timeouts: Timeouts,
  clientSignal: CancelSignal,
  redactor: Redactor,
): Promise<OpenedStream> {
  const deadline = new Deadline(clientSignal, timeouts.firstTokenMs, provider.name, "sent no first token");
  try {
    const response = await provider.client.openStream(request, {
      signal: deadline.signal,
      headersTimeoutMs: timeouts.firstTokenMs,
      // Until the first content only the first-token deadline applies; then the idle watch
      // (precise, and blind to keep-alive comments, unlike undici's body timeout).
      bodyTimeoutMs: 0,
    });
    const failure = inspectAnswer(provider, observe, response.status, response.headers);
    if (failure) throw failure(await response.text().catch(() => ""), redactor);
    if (isJsonAnswer(response.headers)) {
      response.destroy();
      throw invalidResponse(provider.name, "application/json, not an event stream, to a stream request");
    }
    const decoder = new ChunkDecoder(translator, (text) => redactor.scrubKnown(text));
    const mapError = (error: unknown) => provider.client.transportError(error, deadline.signal);
    return {
      next: () => response.next(decoder, mapError),
      firstTokenArrived: () => {
        deadline.disarm();
        response.watchIdle(timeouts.streamIdleMs);
      },
      close: () => {
        deadline.dispose();
        response.destroy();
      },
      signal: deadline.signal,
    };
  } catch (error) {
    deadline.dispose();
    throw provider.client.transportError(error, deadline.signal);
  }
}
