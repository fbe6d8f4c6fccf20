/**
 * node:http's own refusals in the OpenAI error shape. Node answers a request it
 * cannot parse, headers too large, or a client too slow (its headers timeout, and
 * its request timeout, kept as a backstop behind the gateway's own body timer)
 * with a status line and no body; a `clientError` listener replaces that answer.
 */
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { GatewayError } from "../core/errors.js";

function refusalFor(code: string | undefined): GatewayError {
  switch (code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new GatewayError("timeout", "The request was sent too slowly: not received in time", { status: 408, code: "request_timeout" });
    case "HPE_HEADER_OVERFLOW":
      return new GatewayError("bad_request", "The request headers are too large", { status: 431, code: "request_header_fields_too_large" });
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new GatewayError("payload_too_large", "The request's chunk extensions are too large", { code: "request_too_large" });
    default:
      return new GatewayError("bad_request", "The request is not valid HTTP/1.1", { code: "invalid_http_request" });
  }
}

/**
 * Answers `error` on `socket` with a JSON error and closes the connection. When a reply has begun
 * on it (`replyBegun`), or the socket is gone, nothing more can be said: it is only closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, replyBegun: boolean): void {
  if (replyBegun || !socket.writable || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const failure = refusalFor(error.code);
  const body = JSON.stringify(failure.toJSON());
  const head = `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`;
  // Destroyed once written: node:http keeps a socket half open for a client that never closes its side.
  socket.end(head + body, () => socket.destroy());
}
