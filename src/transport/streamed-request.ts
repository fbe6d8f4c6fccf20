/**
 * A streamed upstream answer through undici's `dispatch`: decoded text pieces
 * in an async iterable, with backpressure (reading pauses while the consumer is
 * behind). Cheaper per event than a Readable body stream, which matters for
 * streams of many small SSE events.
 */
import { StringDecoder } from "node:string_decoder";
import type { Dispatcher } from "undici";
import type { CancelSignal } from "../core/cancel-signal.js";
import type { HeaderBag, UpstreamRequest } from "../providers/adapter.js";
import { dispatchOptions, headerBag, type BufferedOptions } from "./buffered-request.js";

export interface StreamedResponse {
  status: number;
  headers: HeaderBag;
  /** Text as it arrives; throws the transport error if the connection fails. */
  body: AsyncIterable<string>;
  /** The rest of the body as one string (error answers). */
  text(): Promise<string>;
  /** Stops reading and aborts the request if it is still open. */
  destroy(): void;
}

/** Pieces buffered before reading pauses. */
const HIGH_WATER = 32;

export function dispatchStream(dispatcher: Dispatcher, request: UpstreamRequest, options: BufferedOptions): Promise<StreamedResponse> {
  return new Promise((resolveHeaders, rejectHeaders) => {
    const signal: CancelSignal = options.signal;
    if (signal.aborted) return rejectHeaders(signal.reason);
    const queue: string[] = [];
    const decoder = new StringDecoder("utf8");
    let abort: ((reason?: Error) => void) | undefined;
    let resume: (() => void) | undefined;
    let paused = false;
    let done = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    let headersSent = false;
    const notify = () => {
      const waiter = wake;
      wake = undefined;
      waiter?.();
    };
    const onAbort = () => abort?.(signal.reason as Error);
    signal.addEventListener("abort", onAbort);
    const finish = () => {
      done = true;
      signal.removeEventListener("abort", onAbort);
      notify();
    };

    async function* body(): AsyncGenerator<string> {
      for (;;) {
        if (queue.length > 0) {
          const piece = queue.shift()!;
          if (paused && queue.length < HIGH_WATER / 2) {
            paused = false;
            resume?.();
          }
          yield piece;
          continue;
        }
        if (failure !== undefined) throw failure;
        if (done) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }

    const response: StreamedResponse = {
      status: 0,
      headers: {},
      body: body(),
      async text() {
        let text = "";
        for await (const piece of response.body) text += piece;
        return text;
      },
      destroy() {
        if (done) return;
        abort?.(new Error("stream closed by the gateway"));
        finish();
      },
    };

    dispatcher.dispatch(
      dispatchOptions(request, options),
      {
        onConnect(abortRequest) {
          abort = abortRequest;
          if (signal.aborted) abortRequest(signal.reason as Error);
        },
        onHeaders(statusCode, rawHeaders, resumeReading) {
          resume = resumeReading;
          response.status = statusCode;
          response.headers = headerBag(rawHeaders as Buffer[] | null);
          headersSent = true;
          resolveHeaders(response);
          return true;
        },
        onData(chunk) {
          const piece = decoder.write(chunk);
          if (piece) queue.push(piece);
          notify();
          if (queue.length >= HIGH_WATER) paused = true;
          return !paused;
        },
        onComplete() {
          const rest = decoder.end();
          if (rest) queue.push(rest);
          finish();
        },
        onError(error) {
          if (!headersSent) {
            signal.removeEventListener("abort", onAbort);
            rejectHeaders(error);
            return;
          }
          failure = error;
          finish();
        },
      },
    );
  });
}
