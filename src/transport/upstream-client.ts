/**
 * One pooled keep-alive connection set per provider. Timeouts are explicit:
 * `headersTimeout` bounds the wait for a response (or first byte of a stream),
 * `bodyTimeout` is the longest silence between body chunks of a buffered answer
 * (streams watch their own idle time: `StreamedResponse.watchIdle`).
 */
import type { CancelSignal } from "../core/cancel-signal.js";
import { createRequire } from "node:module";
import type { Pool as UndiciPool, errors as UndiciErrors } from "undici";
import { GatewayError, invalidResponse } from "../core/errors.js";
import type { UpstreamRequest } from "../providers/adapter.js";
import { AnswerTooLarge, DeadlineExceeded, dispatchBuffered, type BufferedOptions, type BufferedResponse } from "./buffered-request.js";
import { dispatchStream, StreamIdle, type StreamedResponse } from "./streamed-request.js";

// The package index also loads fetch, WebSocket, caches and mocks (~10 MB of RSS
// for good); the gateway needs only the pool and its error classes.
const load = createRequire(import.meta.url);
const Pool = load("undici/lib/dispatcher/pool.js") as typeof UndiciPool;
const undiciErrors = load("undici/lib/core/errors.js") as typeof UndiciErrors;

/** Longest wait for a TCP (and TLS) connection to a provider. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connection failures that say the provider's address is wrong (no such host, a TLS handshake or
 * certificate the client refuses): a retry fails the same way, so the router moves on at once.
 * A refused or reset connection, or a DNS timeout (EAI_AGAIN), may pass and is retried.
 */
const WRONG_ADDRESS = /^(?:ENOTFOUND$|ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$)/;

export class UpstreamClient {
  private readonly pool: UndiciPool;

  constructor(
    readonly provider: string,
    origin: string,
    maxConnections = 1024,
  ) {
    this.pool = new Pool(origin, {
      connections: maxConnections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connect: { timeout: CONNECT_TIMEOUT_MS },
    });
  }

  /** A whole answer as text: the cheap path for non-stream calls. */
  fetchText(request: UpstreamRequest, options: BufferedOptions): Promise<BufferedResponse> {
    return dispatchBuffered(this.pool, request, options, (error) => this.transportError(error, options.signal));
  }

  /** A streamed answer, resolved once the status and headers arrived. */
  async openStream(request: UpstreamRequest, options: BufferedOptions): Promise<StreamedResponse> {
    try {
      return await dispatchStream(this.pool, request, options);
    } catch (error) {
      throw this.transportError(error, options.signal);
    }
  }

  /** Maps connection-level failures to gateway errors without leaking internals. */
  transportError(error: unknown, signal: CancelSignal): GatewayError {
    if (error instanceof GatewayError) return error;
    if (signal.aborted && signal.reason instanceof GatewayError) return signal.reason;
    const provider = this.provider;
    if (error instanceof DeadlineExceeded) {
      return new GatewayError("timeout", `Provider '${provider}' did not answer within ${error.ms} ms`, { provider, cause: error });
    }
    if (error instanceof AnswerTooLarge) return invalidResponse(provider, error.message);
    if (error instanceof StreamIdle) {
      return new GatewayError("timeout", `Provider '${provider}' sent no stream event for ${error.ms} ms`, { provider, cause: error });
    }
    if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
      return new GatewayError("timeout", `Provider '${provider}' did not answer in time`, { provider, cause: error });
    }
    if (error instanceof undiciErrors.ConnectTimeoutError) {
      // A timeout like any other (the next deployment at once): retrying an unreachable host costs CONNECT_TIMEOUT_MS each time.
      return new GatewayError("timeout", `Cannot connect to provider '${provider}' within ${CONNECT_TIMEOUT_MS / 1000} s`, { provider, cause: error });
    }
    const code = (error as { code?: string }).code;
    if (code !== undefined && WRONG_ADDRESS.test(code)) {
      return new GatewayError("upstream_error", `Cannot reach provider '${provider}' (${code}): check its base_url`, { provider, code: "upstream_unreachable", cause: error });
    }
    const reason = code ?? (error instanceof Error ? error.name : "error");
    return new GatewayError("upstream_unavailable", `Connection to provider '${provider}' failed (${reason})`, { provider, code: "upstream_connection_failed", cause: error });
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}
