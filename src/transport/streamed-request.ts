/**
 * A streamed upstream answer through undici's `dispatch`: decoded text pieces,
 * with backpressure (reading pauses while the consumer is behind). Cheaper per
 * event than a Readable body stream, which matters for streams of many small
 * SSE events. The consumer pulls: `next` decodes what has arrived
 * synchronously and returns it at once, or a promise when nothing is there
 * yet. No async generator sits between the socket and the consumer, so a read
 * costs no generator resume and, when text is already queued, no promise.
 */
import { StringDecoder } from "node:string_decoder";
import type { Dispatcher } from "undici";
import type { CancelSignal } from "../core/cancel-signal.js";
import type { HeaderBag, UpstreamRequest } from "../providers/adapter.js";
import { dispatchOptions, headersOf, type BufferedOptions } from "./buffered-request.js";
import { NO_HEADERS } from "./raw-headers.js";

export interface StreamedResponse {
  status: number;
  /** Read them before the body: reading the body drops them (they hold undici's header buffers, ≈ 0.6 KB an open stream). */
  headers: HeaderBag;
  /**
   * The body through a synchronous decoder, one result per call: `piece` is
   * fed the text queued so far until it returns something; once the body is
   * over, `end`'s results, then undefined. Returned at once when it can be,
   * else as a promise. Errors, the transport's included, pass through
   * `mapError`. One call at a time.
   */
  next<T>(decoder: PieceDecoder<T>, mapError?: (error: unknown) => unknown): T | undefined | Promise<T | undefined>;
  /** The rest of the body as one string (error answers). */
  text(): Promise<string>;
  /**
   * From now on, fails the stream (a `StreamIdle` error) once `ms` pass without a server-sent
   * event: SSE comments (keep-alives) do not count, nor does time the consumer keeps reading paused.
   */
  watchIdle(ms: number): void;
  /** Stops reading and aborts the request if it is still open. */
  destroy(): void;
}

export interface PieceDecoder<T> {
  piece(text: string): T | undefined;
  end(): T | undefined;
}

const AS_TEXT: PieceDecoder<string> = { piece: (text) => text, end: () => undefined };
const SAME = (error: unknown) => error;

/** A stream sent no event for `ms` (comments and keep-alives do not count). */
export class StreamIdle extends Error {
  constructor(readonly ms: number) {
    super(`no stream event for ${ms} ms`);
    this.name = "StreamIdle";
  }
}

const COLON = 0x3a;

/**
 * A read holding only SSE comment lines (`: keep-alive`, `: OPENROUTER PROCESSING`): they keep a
 * connection open but are no event. A read that starts inside an event is taken as an event.
 */
function commentsOnly(chunk: Buffer): boolean {
  return chunk[0] === COLON && chunk.indexOf("\ndata") === -1 && chunk.indexOf("\nevent") === -1;
}

function checkIdle(answer: StreamedAnswer): void {
  answer.checkIdle();
}

/** Pieces buffered before reading pauses. */
const HIGH_WATER = 32;

export function dispatchStream(dispatcher: Dispatcher, request: UpstreamRequest, options: BufferedOptions): Promise<StreamedResponse> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) return reject(options.signal.reason);
    dispatcher.dispatch(dispatchOptions(request, options), new StreamedAnswer(options.signal, resolve, reject));
  });
}

/**
 * The answer and its dispatch handler in one object: an open stream holds this
 * one object, not a closure per callback.
 */
class StreamedAnswer implements StreamedResponse, Dispatcher.DispatchHandler {
  status = 0;
  headers: HeaderBag = NO_HEADERS;
  private readonly queue: string[] = [];
  private readonly decoder = new StringDecoder("utf8");
  private abortRequest: ((reason?: Error) => void) | undefined;
  private resumeReading: (() => void) | undefined;
  private paused = false;
  private done = false;
  private headersArrived = false;
  private failure: unknown;
  private wake: (() => void) | undefined;
  private idleMs = 0;
  private lastEventAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.abortRequest?.(this.signal.reason as Error);

  constructor(
    private readonly signal: CancelSignal,
    private readonly resolveHeaders: (answer: StreamedResponse) => void,
    private readonly rejectHeaders: (error: unknown) => void,
  ) {
    signal.addEventListener("abort", this.onAbort);
  }

  next<T>(decoder: PieceDecoder<T>, mapError: (error: unknown) => unknown = SAME): T | undefined | Promise<T | undefined> {
    try {
      return this.take(decoder, mapError);
    } catch (error) {
      throw mapError(error);
    }
  }

  async text(): Promise<string> {
    let text = "";
    for (let piece = await this.next(AS_TEXT); piece !== undefined; piece = await this.next(AS_TEXT)) text += piece;
    return text;
  }

  private take<T>(decoder: PieceDecoder<T>, mapError: (error: unknown) => unknown): T | undefined | Promise<T | undefined> {
    this.headers = NO_HEADERS;
    while (this.queue.length > 0) {
      const piece = this.queue.shift()!;
      if (this.paused && this.queue.length < HIGH_WATER / 2) {
        this.paused = false;
        this.resumeReading?.();
      }
      const out = decoder.piece(piece);
      if (out !== undefined) return out;
    }
    if (this.failure !== undefined) throw this.failure;
    if (this.done) return decoder.end();
    return new Promise<void>((resolve) => (this.wake = resolve)).then(() => this.next(decoder, mapError));
  }

  watchIdle(ms: number): void {
    if (this.done || ms <= 0) return;
    this.idleMs = ms;
    this.lastEventAt = performance.now();
    // One timer per stream, moved on only when it fires: no timer work per event.
    this.idleTimer = setTimeout(checkIdle, ms, this);
  }

  /** Called by the idle timer: fails the stream if it has been quiet for the whole window, else waits out the rest. */
  checkIdle(): void {
    if (this.done) return;
    const quiet = performance.now() - this.lastEventAt;
    if (quiet >= this.idleMs && !this.paused) {
      this.abortRequest?.(new StreamIdle(this.idleMs));
      return;
    }
    this.idleTimer = setTimeout(checkIdle, this.paused ? this.idleMs : this.idleMs - quiet, this);
  }

  destroy(): void {
    if (this.done) return;
    this.abortRequest?.(new Error("stream closed by the gateway"));
    this.finish();
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abortRequest = abort;
    if (this.signal.aborted) abort(this.signal.reason as Error);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[] | null, resume: () => void): boolean {
    this.resumeReading = resume;
    this.status = statusCode;
    this.headers = headersOf(rawHeaders);
    this.headersArrived = true;
    this.resolveHeaders(this);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.idleMs !== 0 && !commentsOnly(chunk)) this.lastEventAt = performance.now();
    const piece = this.decoder.write(chunk);
    if (piece) this.queue.push(piece);
    this.notify();
    if (this.queue.length >= HIGH_WATER) this.paused = true;
    return !this.paused;
  }

  onComplete(): void {
    const rest = this.decoder.end();
    if (rest) this.queue.push(rest);
    this.finish();
  }

  onError(error: Error): void {
    if (!this.headersArrived) {
      this.signal.removeEventListener("abort", this.onAbort);
      this.rejectHeaders(error);
      return;
    }
    this.failure = error;
    this.finish();
  }

  private notify(): void {
    const waiter = this.wake;
    this.wake = undefined;
    waiter?.();
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.idleTimer);
    this.signal.removeEventListener("abort", this.onAbort);
    this.notify();
  }
}
