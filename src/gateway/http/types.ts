/**
 * Framework-free HTTP shapes: the node:http server and the in-process `fetch`
 * both translate to these, so one handler serves both.
 */
import type { CancelSignal } from "../../core/cancel-signal.js";
export interface GatewayHttpRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | undefined;
  /** Aborts when the client goes away. */
  signal: CancelSignal;
}

/** A request before its body is read: what routing and authentication look at. */
export type RequestHead = Pick<GatewayHttpRequest, "method" | "path" | "headers">;

export interface GatewayReply {
  status: number;
  headers: Record<string, string>;
  /** A complete body, or server-sent event text produced with backpressure. */
  body: string | AsyncIterable<string>;
}
