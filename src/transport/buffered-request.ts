/**
 * A whole upstream answer as text, through undici's low-level `dispatch`: no
 * body stream, no promise per chunk, no AbortSignal listener inside undici —
 * the cheapest way Node has to make a pooled HTTP call. Non-stream calls, the
 * hot path, use it; streams go through the same `dispatch` in streamed-request.ts.
 */
import { constants } from "node:buffer";
import type { CancelSignal } from "../core/cancel-signal.js";
import type { Dispatcher } from "undici";
import type { HeaderBag, UpstreamRequest } from "../providers/adapter.js";
import { NO_HEADERS, RawHeaders } from "./raw-headers.js";

export interface BufferedResponse {
  status: number;
  headers: HeaderBag;
  text: string;
}

export interface BufferedOptions {
  signal: CancelSignal;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /**
   * The whole call's limit, to the millisecond. undici's own timeouts run on a
   * coarse clock (a 300 ms headersTimeout fired after about a second), so they
   * stay only as a backstop.
   */
  deadlineMs?: number;
  /** The longest answer taken (default: the longest string V8 can make of it); a longer one is cut off with `AnswerTooLarge`. */
  maxBodyBytes?: number;
}

/** A call that outlived its `deadlineMs`. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = "DeadlineExceeded";
  }
}

/** An answer (or a stream event) too large to take: a 502 invalid_response, never a hang, whatever its size. */
export class AnswerTooLarge extends Error {
  /** `what`: what the provider returned, e.g. `an answer larger than 1024 bytes`. */
  constructor(what: string) {
    super(what);
    this.name = "AnswerTooLarge";
  }
}

/** undici's raw header list, read lazily. */
export function headersOf(raw: Buffer[] | string[] | null): RawHeaders {
  return raw ? new RawHeaders(raw) : NO_HEADERS;
}

/** The dispatch options both request kinds share. */
export function dispatchOptions(request: UpstreamRequest, options: BufferedOptions): Dispatcher.DispatchOptions {
  return {
    method: request.method,
    path: request.path,
    headers: request.headers,
    body: request.body,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
  };
}

/** `mapError` turns transport failures into the caller's errors (no extra promise layer to catch them). */
export function dispatchBuffered(
  dispatcher: Dispatcher,
  request: UpstreamRequest,
  options: BufferedOptions,
  mapError: (error: unknown) => unknown,
): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal.aborted) return reject(mapError(signal.reason));
    let status = 0;
    let headers: HeaderBag = NO_HEADERS;
    // Bytes are decoded once at the end: one flat string for JSON.parse, no decoder per request.
    const chunks: Buffer[] = [];
    let size = 0;
    const maxBytes = options.maxBodyBytes ?? constants.MAX_STRING_LENGTH;
    let tooLarge: AnswerTooLarge | undefined;
    let abort: ((reason?: Error) => void) | undefined;
    let settled = false;
    const onAbort = () => abort?.(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    let expired: DeadlineExceeded | undefined;
    const timer = options.deadlineMs === undefined ? undefined : setTimeout(() => {
      expired = new DeadlineExceeded(options.deadlineMs!);
      // Not yet connected: onConnect aborts as soon as it can.
      abort?.(expired);
    }, options.deadlineMs);
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    dispatcher.dispatch(
      dispatchOptions(request, options),
      {
        onConnect(abortRequest) {
          abort = abortRequest;
          if (signal.aborted) abortRequest(signal.reason as Error);
          else if (expired) abortRequest(expired);
        },
        onHeaders(statusCode, rawHeaders) {
          status = statusCode;
          headers = headersOf(rawHeaders as Buffer[] | null);
          return true;
        },
        onData(chunk) {
          size += chunk.length;
          if (size > maxBytes) {
            // The bytes so far are let go at once; undici's abort reports back through onError.
            tooLarge ??= new AnswerTooLarge(`an answer larger than ${maxBytes} bytes`);
            chunks.length = 0;
            abort?.(tooLarge);
            return false;
          }
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          if (settled) return;
          settle();
          let text: string;
          try {
            text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8");
          } catch {
            // Past V8's longest string: a throw here would leave the call unsettled for good.
            return reject(mapError(new AnswerTooLarge(`an answer of ${size} bytes, too large to decode`)));
          }
          resolve({ status, headers, text });
        },
        onError(error) {
          if (settled) return;
          settle();
          // undici reports an abort as its own error; the deadline is the cause.
          reject(mapError(tooLarge ?? (expired && !signal.aborted ? expired : error)));
        },
      },
    );
  });
}
