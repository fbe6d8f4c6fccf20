/**
 * The embedded API (DESIGN §3.4). The HTTP server is a thin layer over the same
 * object. `reload` swaps in a new config for new requests; in-flight ones
 * finish on the runtime they started with.
 */
import { GatewayError } from "../core/errors.js";
import type { Logger } from "pino";
import type { LedgerRow } from "../accounting/ledger-row.js";
import type { SpendRow } from "../accounting/ledger-store.js";
import type { SavingsReport } from "../accounting/savings.js";
import type { ChatChunk, ChatCompletion } from "../core/chat.js";
import type { EmbeddingsResponse, ModelCard } from "../core/embeddings.js";
import { ConfigError, validateConfig } from "../config/load.js";
import type { SwitchyardConfig, SwitchyardConfigInput } from "../config/schema.js";
import { SecretSource } from "../config/secret-source.js";
import { callerAbortOr, callerSignal, NEVER_CANCELLED } from "../core/cancel-signal.js";
import type { RouterClock } from "../router/clock.js";
import type { StateStore } from "../state/state-store.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import { completeChat } from "./chat.js";
import { CHUNK_OBJECTS, streamChat } from "./chat-stream.js";
import { createEmbeddings } from "./embeddings.js";
import { InFlightCount } from "./in-flight-count.js";
import { createFetchAdapter, type FetchFunction } from "./http/fetch-adapter.js";
import { errorReplyFor, handleAdmin, handleHttp, refuseBeforeBody, requestIdFor } from "./http/handler.js";
import type { GatewayHttpRequest, GatewayReply, RequestHead } from "./http/types.js";
import { parseChatRequest, parseEmbeddingsRequest } from "./http/wire-schemas.js";
import { createLogger } from "./logger.js";
import { listModels, probeProvider, type ProbeResult } from "./models.js";
import { recentRequests, savingsReport, spendReport } from "./reports.js";
import { embeddedMeta } from "./route-request.js";
import { buildRuntime, closeRuntime, openSharedServices, retireReplacedRuntime, type Runtime } from "./runtime.js";

export interface GatewayOptions {
  /** The same object as the YAML file (validated here), or an already validated config. */
  config?: SwitchyardConfigInput | SwitchyardConfig;
  logger?: Logger;
  /** Injectable time for the router (tests of cooldowns and backoff). */
  clock?: RouterClock;
  /** A state store to use instead of `state.url` (cluster workers use the primary's). */
  state?: StateStore;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface Gateway {
  /** The config serving new requests. */
  readonly config: SwitchyardConfig;
  readonly logger: Logger;
  chat(request: unknown, options?: CallOptions): Promise<ChatCompletion>;
  stream(request: unknown, options?: CallOptions): AsyncIterable<ChatChunk>;
  embed(request: unknown, options?: CallOptions): Promise<EmbeddingsResponse>;
  models(): Promise<ModelCard[]>;
  /** A fetch-compatible function serving the HTTP API in-process. */
  fetch: FetchFunction;
  /** Serves one framework-free HTTP request (used by the server and `fetch`). */
  handle(request: GatewayHttpRequest): Promise<GatewayReply>;
  /** An error reply for a request that never reached `handle` (e.g. a body over the limit); `headers` give the client's `x-request-id`. */
  failure(path: string, error: unknown, headers?: GatewayHttpRequest["headers"]): GatewayReply;
  /** The reply for a request its head alone refuses (no route, a foreign browser, no valid credential), asked before reading a large body; undefined when it may go on. */
  refuseBeforeBody(request: RequestHead): GatewayReply | undefined;
  /** Checks that a provider answers and accepts its key. */
  probe(provider: string, timeoutMs: number): Promise<ProbeResult>;
  /** Spend, recent requests and savings from the ledger. */
  reports: {
    spend(groupBy: string, from?: number, to?: number): Promise<SpendRow[]>;
    savings(from?: number, to?: number, markupPercents?: number[]): Promise<SavingsReport>;
    /** Newest first; to page on, pass the last row's `ts` and `id` as `before` and `beforeId`. */
    requests(limit?: number, before?: number, beforeId?: string): Promise<LedgerRow[]>;
  };
  /** Calls an admin route in-process as the master key (the CLI uses it); throws on an error reply. */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /**
   * Applies a new config to new requests (providers, keys, aliases, prices, routing).
   * Throws (ConfigError) and keeps the old config when the new one is invalid.
   * Storage and state URLs need a restart. Given a function, it is called at the reload's turn
   * (reloads apply one at a time), and what it throws (a config file that cannot be read or is
   * invalid) is a rejected reload like an invalid config: logged to the audit log, then thrown.
   */
  reload(config: SwitchyardConfigInput | SwitchyardConfig | (() => SwitchyardConfigInput | SwitchyardConfig)): Promise<void>;
  /** Listens for virtual keys created, changed or revoked through this gateway. */
  onKeyChange(listener: (keyId: string) => void): () => void;
  /**
   * Key `keyId` as stored once this process's key writes so far have landed (null: it does not exist);
   * rejects when one of them failed. What a worker relays to the others.
   */
  storedKey(keyId: string): Promise<VirtualKey | null>;
  /**
   * Applies a change made elsewhere (another worker) to the next request: forgets the cached key and,
   * given the key as that worker stored it (null: gone), takes it into a store that mirrors the database.
   */
  invalidateKey(keyId: string, stored?: VirtualKey | null): void;
  /** Providers that are configured but unusable, with the reason. */
  disabledProviders(): Array<{ provider: string; reason: string }>;
  /**
   * Refuses new calls, lets the embedded calls in flight finish (up to `server.shutdown_grace_ms`) so their
   * ledger rows are kept, and flushes the ledger; every call resolves with the same report once that is done.
   */
  close(): Promise<GatewayCloseReport>;
}

/** What became of the ledger rows by the end of `close()`. */
export interface GatewayCloseReport {
  ledger: {
    /** Rows the store took over the gateway's life. */
    written: number;
    /** Rows the store could not take at shutdown, saved to a `switchyard-unsaved-ledger-*.jsonl` file (load it with `switchyard ledger import`). */
    saved: number;
    /** Rows lost: the in-memory queue overflowed during an outage, or the file could not be written either. */
    dropped: number;
  };
}

export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const initial = validateConfig(options.config ?? {});
  const logger = options.logger ?? createLogger(initial.log.level);
  const shared = await openSharedServices(initial, logger, { clock: options.clock, state: options.state });
  const secrets = new SecretSource({ ttlMs: initial.secrets.vault_ttl_ms, onVaultError: (reason) => logger.warn(`vault read failed, serving the last good value: ${reason}`) });
  let runtime: Runtime;
  try {
    await secrets.prepare(initial);
    runtime = buildRuntime(initial, shared, secrets.resolve);
  } catch (error) {
    // No gateway to close() comes back: release the stores here (a Redis connection would keep the process alive).
    await shared.ledger.close().catch(() => undefined);
    await shared.stores.close().catch(() => undefined);
    shared.metrics.close();
    throw error;
  }
  shared.current = runtime;
  let closed = false;
  let closing: Promise<GatewayCloseReport> | undefined;
  const calls = new InFlightCount();
  // Re-read Vault secrets when their TTL expires; a changed value rebuilds the runtime like a reload.
  const vaultRefresh = setInterval(() => {
    void secrets
      .prepare(runtime.config)
      .then((changed) => (changed ? enqueueReload(() => runtime.config) : undefined))
      .catch((error: Error) => logger.error(`vault refresh failed: ${error.message}`));
  }, initial.secrets.vault_ttl_ms);
  vaultRefresh.unref();
  // After close() the providers' connections are gone: say so rather than fail on a destroyed pool.
  const ensureOpen = () => {
    if (closed) throw CLOSED();
  };
  const handle = (request: GatewayHttpRequest) => (closed ? Promise.resolve(errorReplyFor(request.path, CLOSED(), requestIdFor(request.headers), runtime.redactor)) : handleHttp(runtime, request));

  const applyReload = async (input: () => SwitchyardConfigInput | SwitchyardConfig): Promise<void> => {
    // Queued before close() (a Vault refresh, a file change): there is nothing left to reload.
    ensureOpen();
    const audit = shared.stores.audit;
    let next: Runtime;
    try {
      const config = validateConfig(input(), "reloaded config");
      // The loopback-only rule for a gateway without a master key is applied where it binds, at
      // startup: dropping the key by a reload would open a gateway listening beyond loopback.
      if (runtime.config.server.master_key && !config.server.master_key) {
        throw new ConfigError("reloaded config", ["server.master_key cannot be removed by a reload: restart the gateway to run without one"]);
      }
      if (config.storage.url !== runtime.config.storage.url || config.state.url !== runtime.config.state.url) {
        logger.warn("storage.url and state.url changes apply after a restart; the running stores are kept");
      }
      const serverChanged = changedServerSettings(runtime.config.server, config.server);
      if (serverChanged.length > 0) logger.warn(`server.${serverChanged.join(", server.")} changes apply after a restart (the listening server keeps its settings)`);
      await secrets.prepare(config);
      next = buildRuntime(config, shared, secrets.resolve, runtime);
    } catch (error) {
      audit.record({ actor: "system", action: "config.rejected", key_prefix: null, target: null, reason: (error as Error).message.slice(0, 500), status: null, request_id: null });
      throw error;
    }
    const previous = runtime;
    runtime = next;
    shared.current = next;
    audit.record({ actor: "system", action: "config.reloaded", key_prefix: null, target: null, reason: `${next.providers.size} providers, ${next.routes.aliases.size} aliases`, status: null, request_id: null });
    // Old pools close once the requests that started on them have finished (a retry or failover still sends).
    void retireReplacedRuntime(previous).catch((error) => logger.error({ err: String(error) }, "closing the previous config's connections failed"));
  };
  // Reloads apply one at a time, in the order asked: a slow one (a Vault read) never lands after a
  // later one. `input` is read at its turn, so a Vault refresh rebuilds the config current by then.
  let reloads: Promise<void> = Promise.resolve();
  const enqueueReload = (input: () => SwitchyardConfigInput | SwitchyardConfig): Promise<void> => {
    const turn = reloads.then(() => applyReload(input));
    reloads = turn.catch(() => undefined);
    return turn;
  };

  const gateway: Gateway = {
    get config() {
      return runtime.config;
    },
    logger,
    async chat(request, callOptions) {
      ensureOpen();
      const parsed = parseChatRequest(request);
      // A copy when it must change: the caller's object is never modified.
      const body = parsed.stream === true ? { ...parsed, stream: false } : parsed;
      calls.enter();
      try {
        return (await completeChat(runtime, body, callerSignal(callOptions?.signal), embeddedMeta())).completion;
      } catch (error) {
        throw callerAbortOr(error, callOptions?.signal);
      } finally {
        calls.leave();
      }
    },
    async *stream(request, callOptions) {
      ensureOpen();
      calls.enter();
      // streamChat sends stream: true upstream whatever the request says; the caller's object is not modified.
      try {
        const session = await streamChat(runtime, parseChatRequest(request), callerSignal(callOptions?.signal), embeddedMeta());
        for await (const batch of session.body(CHUNK_OBJECTS)) yield* batch;
      } catch (error) {
        throw callerAbortOr(error, callOptions?.signal);
      } finally {
        calls.leave();
      }
    },
    async embed(request, callOptions) {
      ensureOpen();
      calls.enter();
      try {
        return (await createEmbeddings(runtime, parseEmbeddingsRequest(request), callerSignal(callOptions?.signal), embeddedMeta())).response;
      } catch (error) {
        throw callerAbortOr(error, callOptions?.signal);
      } finally {
        calls.leave();
      }
    },
    models: () => (closed ? Promise.reject(CLOSED()) : listModels(runtime)),
    fetch: createFetchAdapter(handle, calls),
    handle,
    failure: (path, error, headers = {}) => errorReplyFor(path, error, requestIdFor(headers), runtime.redactor),
    refuseBeforeBody: (request) => (closed ? undefined : refuseBeforeBody(runtime, request)),
    async probe(name, timeoutMs) {
      const provider = runtime.providers.get(name);
      return provider ? probeProvider(provider, timeoutMs) : { ok: false, detail: "not configured or disabled", models: [] };
    },
    reports: {
      spend: (groupBy, from, to) => spendReport(runtime, groupBy, from, to),
      savings: (from, to, fees) => savingsReport(runtime, from, to, fees),
      requests: (limit, before, beforeId) => recentRequests(runtime, limit, before, beforeId),
    },
    async admin(method, path, body) {
      const url = new URL(path, "http://switchyard");
      const reply = await handleAdmin(runtime, {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: {},
        body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
        signal: NEVER_CANCELLED,
      });
      const json = JSON.parse(typeof reply.body === "string" ? reply.body : "{}") as { error?: { message: string } };
      if (reply.status >= 400) throw new Error(json.error?.message ?? `HTTP ${reply.status}`);
      return json;
    },
    // After close() a reload would open connection pools that nothing closes.
    reload: (input) => (closed ? Promise.reject(CLOSED()) : enqueueReload(typeof input === "function" ? input : () => input)),
    onKeyChange: (listener) => shared.stores.keys.onChange((key) => listener(key.id)),
    async storedKey(keyId) {
      await shared.stores.keys.flush?.();
      return shared.stores.keys.get(keyId) ?? null;
    },
    invalidateKey(keyId, stored) {
      if (stored !== undefined) shared.stores.keys.adopt?.(keyId, stored);
      runtime.authenticator.invalidate(keyId);
    },
    disabledProviders: () => runtime.disabled,
    close() {
      closed = true;
      closing ??= (async () => {
        clearInterval(vaultRefresh);
        // Calls already running finish, and record their ledger rows, before the ledger is flushed.
        if (!(await calls.drained(runtime.config.server.shutdown_grace_ms))) {
          logger.warn({ inFlight: calls.active }, "close(): calls still running after server.shutdown_grace_ms; their ledger rows will be missing");
        }
        await closeRuntime(runtime);
        logger.flush?.();
        const { written, saved, dropped } = shared.ledger.stats();
        return { ledger: { written, saved, dropped } };
      })();
      return closing;
    },
  };
  return gateway;
}

/**
 * `server` settings read where they apply per request (the master key, CORS origins, the body
 * limit), and the address, which `--host`/`--port` may override: `switchyard start` compares
 * the file's own address on a reload.
 */
const RELOADED_OR_OVERRIDDEN = new Set(["master_key", "cors_origins", "max_body_bytes", "host", "port"]);

/** The changed `server` settings a running listener keeps until a restart. */
function changedServerSettings(running: SwitchyardConfig["server"], next: SwitchyardConfig["server"]): string[] {
  return (Object.keys(next) as Array<keyof SwitchyardConfig["server"]>).filter(
    (key) => !RELOADED_OR_OVERRIDDEN.has(key) && JSON.stringify(running[key]) !== JSON.stringify(next[key]),
  );
}

const CLOSED = () => new GatewayError("upstream_unavailable", "The gateway is closed", { code: "gateway_closed" });
