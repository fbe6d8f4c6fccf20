/**
 * A fetch-compatible function over the gateway handler, so SDK clients run
 * in-process (`new OpenAI({ fetch: gw.fetch })`) with no socket in between.
 */
import { callerSignal } from "../../core/cancel-signal.js";
import type { GatewayHttpRequest, GatewayReply } from "./types.js";

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** A stream body; once the caller aborts it errors with the caller's reason, as a real fetch body does. */
function toStream(body: AsyncIterable<string>, signal: AbortSignal): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (signal.aborted) {
        controller.error(signal.reason);
        await iterator.return?.();
      } else if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export function createFetchAdapter(handle: (request: GatewayHttpRequest) => Promise<GatewayReply>): FetchFunction {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const bytes = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const reply = await handle({
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: bytes,
      signal: callerSignal(request.signal),
    });
    // An aborted fetch rejects with the caller's reason, whatever the gateway made of the abort.
    if (request.signal.aborted) {
      if (typeof reply.body !== "string") await reply.body[Symbol.asyncIterator]().return?.();
      throw request.signal.reason;
    }
    // 204/304 replies must have no body at all.
    const body = reply.status === 204 || reply.status === 304 ? null : typeof reply.body === "string" ? reply.body : toStream(reply.body, request.signal);
    return new Response(body, { status: reply.status, headers: reply.headers });
  };
}
