/**
 * A fetch-compatible function over the gateway handler, so SDK clients run
 * in-process (`new OpenAI({ fetch: gw.fetch })`) with no socket in between.
 */
import { callerSignal } from "../../core/cancel-signal.js";
import type { InFlightCount } from "../in-flight-count.js";
import type { GatewayHttpRequest, GatewayReply } from "./types.js";

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A stream body; once the caller aborts it errors with the caller's reason, as a real fetch body does.
 * `ended` runs once, when the body is over: read to its end, failed or cancelled.
 */
function toStream(body: AsyncIterable<string>, signal: AbortSignal, ended: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = body[Symbol.asyncIterator]();
  let open = true;
  const end = () => {
    if (open) ended();
    open = false;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await iterator.next();
        if (signal.aborted) {
          controller.error(signal.reason);
          await iterator.return?.();
          end();
        } else if (done) {
          controller.close();
          end();
        } else controller.enqueue(encoder.encode(value));
      } catch (error) {
        end();
        throw error;
      }
    },
    async cancel() {
      try {
        await iterator.return?.();
      } finally {
        end();
      }
    },
  });
}

/** `calls` counts each request until its reply is whole (a stream: until its body is over). */
export function createFetchAdapter(handle: (request: GatewayHttpRequest) => Promise<GatewayReply>, calls?: InFlightCount): FetchFunction {
  const ended = () => calls?.leave();
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const bytes = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    calls?.enter();
    let reply: GatewayReply;
    try {
      reply = await handle({
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        headers,
        body: bytes,
        signal: callerSignal(request.signal),
      });
    } catch (error) {
      ended();
      throw error;
    }
    if (typeof reply.body === "string") ended();
    // An aborted fetch rejects with the caller's reason, whatever the gateway made of the abort.
    if (request.signal.aborted) {
      if (typeof reply.body !== "string") {
        await reply.body[Symbol.asyncIterator]().return?.();
        ended();
      }
      throw request.signal.reason;
    }
    // 204/304 replies, and any answer to HEAD, have no body at all.
    const bodyless = reply.status === 204 || reply.status === 304 || request.method === "HEAD";
    const body = bodyless ? null : typeof reply.body === "string" ? reply.body : toStream(reply.body, request.signal, ended);
    if (bodyless && typeof reply.body !== "string") ended();
    return new Response(body, { status: reply.status, headers: reply.headers });
  };
}
