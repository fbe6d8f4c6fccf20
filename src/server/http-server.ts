/**
 * The node:http front: reads bodies within the size limit, hands a framework-free
 * request to the gateway, and writes replies with backpressure. A client that
 * disconnects aborts its upstream request at once.
 *
 * `close()` drains: the listener stops, idle connections close, and every reply
 * from then on says `Connection: close`, so keep-alive clients reconnect (and find
 * the listener gone) instead of sending more work; the drain ends with the last
 * in-flight request. At the grace deadline the rest are cancelled as the gateway's own
 * failure: a request not yet answered gets a 503 `shutting_down` (a client retries it
 * elsewhere), a stream already open ends with an error event, and each records its
 * ledger row as such; after a moment for that, the connections still open are closed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { CancelSource } from "../core/cancel-signal.js";
import { GatewayError } from "../core/errors.js";
import { within } from "../core/within.js";
import type { Gateway } from "../gateway/gateway.js";
import type { GatewayReply } from "../gateway/http/types.js";
import { answerClientError } from "./client-error.js";

export interface ServerOptions {
  host: string;
  port: number;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** Requests received so far. */
  requests(): number;
  /** Requests being served now. */
  inFlight(): number;
  /** Calls `callback` once, when the next request arrives. */
  onNextRequest(callback: () => void): void;
  /** Stops accepting connections and waits for in-flight requests (up to `graceMs`, then cuts them off). */
  close(graceMs?: number): Promise<void>;
}

/** After the grace deadline cancelled the requests left, how long they may take to answer and record their rows. */
const ABORTED_HANDLERS_WAIT_MS = 2_000;

/** What cancels the requests still running at the grace deadline. */
const shuttingDown = () => new GatewayError("upstream_unavailable", "The gateway is shutting down; retry the request", { code: "shutting_down" });

/** Shared by every request without a query string; handlers only read queries. */
const NO_QUERY = new URLSearchParams();

/**
 * The path and query of a request target. HTTP/1.1 servers must accept the absolute form
 * (`POST http://host/v1/chat/completions`, as sent to proxies; RFC 9112 §3.2.2) as well.
 */
function originForm(target: string): string {
  if (target.charCodeAt(0) === 0x2f /* "/" */) return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return target; // `*` (OPTIONS) and nonsense: no route has that path
  }
}

/**
 * Bodies up to this size are read before the request is authenticated (the common case, with no
 * second look at its headers); a larger one, or one of unknown length, is read only once its
 * headers pass, so a client without a credential cannot make the gateway buffer megabytes.
 */
const READ_UNCHECKED_BYTES = 64 * 1024;

function mayBeLarge(req: IncomingMessage): boolean {
  const declared = req.headers["content-length"];
  return declared === undefined ? req.headers["transfer-encoding"] !== undefined : !(Number(declared) <= READ_UNCHECKED_BYTES);
}

/** Reads the body within `limit` bytes and `timeoutMs`: a client too slow gets the gateway's JSON 408, not node:http's bodiless one. */
function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let settled = false;
    /** Stops reading: the rest of the body is dropped (the reply closes the connection). */
    const giveUp = (error: () => unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.removeAllListeners("data");
      req.resume();
      reject(error());
    };
    const timer = setTimeout(() => giveUp(() => tooSlow(timeoutMs)), timeoutMs);
    req.on("data", (part: Buffer) => {
      size += part.length;
      if (size > limit) giveUp(() => tooLarge(limit));
      else parts.push(part);
    });
    req.on("end", () => {
      settled = true;
      clearTimeout(timer);
      resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    });
    req.on("error", (error) => giveUp(() => error));
    // A client gone before its body ended. Every request closes, after its end too: the error is
    // made only when needed (an Error's stack costs microseconds on the hot path).
    req.on("close", () => giveUp(() => new GatewayError("client_closed", "Client closed the connection")));
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError("payload_too_large", `Request body exceeds the limit of ${limit} bytes`, { code: "request_too_large" });
}

function tooSlow(timeoutMs: number): GatewayError {
  return new GatewayError("timeout", `The request body was sent too slowly: not received within ${timeoutMs} ms`, { status: 408, code: "request_timeout" });
}

/** Body reads that gave up left the rest of the body unread: the connection cannot carry another request. */
const bodyLeftUnread = (error: unknown): boolean => error instanceof GatewayError && (error.kind === "payload_too_large" || error.code === "request_timeout");

/** node:http checks its timeouts every 30 s by default; a shorter headers timeout is checked as often as it lasts. */
const NODE_TIMEOUT_CHECK_MS = 30_000;
/** node:http's request timeout, a backstop, lies this far past the latest the body timer can fire. */
const BACKSTOP_MARGIN_MS = 1_000;

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** A whole body is written synchronously: no promise on the common path. */
function writeReply(res: ServerResponse, reply: GatewayReply, draining: boolean): Promise<void> | undefined {
  if (draining) reply.headers.connection = "close";
  if (typeof reply.body === "string") {
    reply.headers["content-length"] = String(Buffer.byteLength(reply.body));
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
    return undefined;
  }
  return writeStream(res, reply.status, reply.headers, reply.body);
}

async function writeStream(res: ServerResponse, status: number, headers: Record<string, string>, body: AsyncIterable<string>): Promise<void> {
  // No flushHeaders(): the first chunk is already in hand (streams reply only once it
  // arrived), so headers and first event leave in one write and one packet.
  res.writeHead(status, headers);
  for await (const piece of body) {
    if (res.destroyed) break;
    if (!res.write(piece)) await waitForDrain(res);
  }
  res.end();
}


export function startServer(gateway: Gateway, options: ServerOptions): Promise<RunningServer> {
  // Counts, not sets of promises: no extra promise per request on the hot path.
  let inFlight = 0;
  let received = 0;
  let draining = false;
  /** Replies not yet done per connection (more than one only when a client sends its next request early). */
  const replying = new WeakMap<Socket, Set<ServerResponse>>();
  // Timeouts, like other listener settings, wait for a restart (README: reloads).
  const { headers_timeout_ms: headersTimeoutMs, request_timeout_ms: bodyTimeoutMs } = gateway.config.server;
  let onIdle: (() => void) | undefined;
  /** The requests in flight, for the grace deadline to cancel. */
  const running = new Set<CancelSource>();
  const finished = (controller: CancelSource) => {
    running.delete(controller);
    if (--inFlight === 0) onIdle?.();
  };
  const idle = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((done) => (onIdle = done)));

  async function serve(req: IncomingMessage, res: ServerResponse, controller: CancelSource): Promise<void> {
    res.on("close", () => {
      if (!res.writableFinished) controller.abort(new GatewayError("client_closed", "Client closed the connection"));
    });
    const url = originForm(req.url ?? "/");
    const queryAt = url.indexOf("?");
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    let reply: GatewayReply;
    try {
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      if (hasBody && mayBeLarge(req)) {
        const refused = gateway.refuseBeforeBody({ method: req.method ?? "GET", path, headers: req.headers });
        if (refused) {
          // The body is left unread: the connection cannot carry another request.
          refused.headers.connection = "close";
          return writeReply(res, refused, draining);
        }
      }
      // Read per request: a reload may change the limit.
      const body = hasBody ? await readBody(req, gateway.config.server.max_body_bytes, bodyTimeoutMs) : undefined;
      reply = await gateway.handle({
        method: req.method ?? "GET",
        path,
        query: queryAt === -1 ? NO_QUERY : new URLSearchParams(url.slice(queryAt + 1)),
        headers: req.headers,
        body,
        signal: controller.signal,
      });
    } catch (error) {
      reply = gateway.failure(path, error, req.headers);
      if (bodyLeftUnread(error)) reply.headers.connection = "close";
    }
    // Returned, not awaited: a stream being written does not keep this frame alive.
    return writeReply(res, reply, draining);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    received++;
    const socket = req.socket;
    let pending = replying.get(socket);
    if (!pending) replying.set(socket, (pending = new Set()));
    pending.add(res);
    res.once("close", () => {
      pending.delete(res);
      // A reply that began before the drain could not say `Connection: close`: its connection
      // closes once no reply is left on it (the next request may already be in), or the
      // keep-alive client would send more work.
      if (draining && pending.size === 0) socket.destroy();
    });
    const controller = new CancelSource();
    running.add(controller);
    serve(req, res, controller).then(
      () => finished(controller),
      (error) => {
        gateway.logger.error({ err: (error as Error).message }, "failed to write a reply");
        res.destroy();
        finished(controller);
      },
    );
  };

  const server = createServer(
    {
      keepAliveTimeout: gateway.config.server.keep_alive_timeout_ms,
      headersTimeout: headersTimeoutMs,
      // The body timer starts once the headers are in, at most headersTimeoutMs after the request's first byte.
      requestTimeout: headersTimeoutMs + bodyTimeoutMs + BACKSTOP_MARGIN_MS,
      connectionsCheckingInterval: Math.min(NODE_TIMEOUT_CHECK_MS, headersTimeoutMs),
    },
    onRequest,
  );
  // Node's own 408 (slow headers, the backstop), 400 and 431 have no body: the gateway's are JSON.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    answerClientError(error, socket, [...(replying.get(socket) ?? [])].some((res) => res.headersSent));
  });
  // `Expect: 100-continue`: a body declared over the limit is refused (413) before the client sends it.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    if (!(Number(req.headers["content-length"]) > gateway.config.server.max_body_bytes)) res.writeContinue();
    onRequest(req, res);
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({
        server,
        url: `http://${host}:${address.port}`,
        requests: () => received,
        inFlight: () => inFlight,
        onNextRequest: (callback) => void server.once("request", () => callback()),
        async close(graceMs = 25_000) {
          draining = true;
          const stopped = new Promise<void>((done) => server.close(() => done()));
          server.closeIdleConnections();
          if (await within(graceMs, Promise.all([stopped, idle()]))) return;
          gateway.logger.warn({ inFlight, graceMs }, "shutdown grace ended: cancelling the requests still running");
          // They answer 503 (or end their stream with an error event) and record their rows, which must
          // reach the ledger before it closes; then what is still open is closed.
          const left = shuttingDown();
          for (const controller of running) controller.abort(left);
          const answered = await within(ABORTED_HANDLERS_WAIT_MS, idle());
          server.closeAllConnections();
          if (!answered && !(await within(ABORTED_HANDLERS_WAIT_MS, idle()))) {
            gateway.logger.error({ inFlight }, "requests still running after their connections were closed; their ledger rows may be missing");
          }
          await stopped;
        },
      });
    });
  });
}
