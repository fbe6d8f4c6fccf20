/**
 * The embedded API (DESIGN §3.4). The HTTP server is a thin layer over the same object.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ChatChunk, ChatCompletion } from "../core/chat.js";
import type { EmbeddingsResponse, ModelCard } from "../core/embeddings.js";
import { validateConfig } from "../config/load.js";
import type { SwitchyardConfig, SwitchyardConfigInput } from "../config/schema.js";
import { completeChat } from "./chat.js";
import { streamChat } from "./chat-stream.js";
import { createEmbeddings } from "./embeddings.js";
import { createFetchAdapter, type FetchFunction } from "./http/fetch-adapter.js";
import type { LedgerRow } from "../accounting/ledger-row.js";
import type { SpendRow } from "../accounting/ledger-store.js";
import type { SavingsReport } from "../accounting/savings.js";
import { errorReplyFor, handleAdmin, handleHttp } from "./http/handler.js";
import { recentRequests, savingsReport, spendReport } from "./reports.js";
import type { GatewayHttpRequest, GatewayReply } from "./http/types.js";
import { parseChatRequest, parseEmbeddingsRequest } from "./http/wire-schemas.js";
import { createLogger } from "./logger.js";
import { embeddedMeta } from "./route-request.js";
import { listModels, probeProvider, type ProbeResult } from "./models.js";
import { buildRuntime, closeRuntime, type Runtime } from "./runtime.js";
import type { RouterClock } from "../router/clock.js";

export interface GatewayOptions {
  /** The same object as the YAML file (validated here), or an already validated config. */
  config?: SwitchyardConfigInput | SwitchyardConfig;
  logger?: Logger;
  /** Injectable time for the router (tests of cooldowns and backoff). */
  clock?: RouterClock;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface Gateway {
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
  /** An error reply for a request that never reached `handle` (e.g. a body over the limit). */
  failure(path: string, error: unknown): GatewayReply;
  /** Checks that a provider answers and accepts its key. */
  probe(provider: string, timeoutMs: number): Promise<ProbeResult>;
  /** Spend, recent requests and savings from the ledger. */
  reports: {
    spend(groupBy: string, from?: number, to?: number): Promise<SpendRow[]>;
    savings(from?: number, to?: number, markupPercents?: number[]): Promise<SavingsReport>;
    requests(limit?: number, before?: number): Promise<LedgerRow[]>;
  };
  /** Calls an admin route in-process as the master key (the CLI uses it); throws on an error reply. */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /** Providers that are configured but unusable, with the reason. */
  disabledProviders(): Array<{ provider: string; reason: string }>;
  close(): Promise<void>;
}

const NEVER_ABORTED = new AbortController().signal;

export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const config = validateConfig(options.config ?? {});
  const logger = options.logger ?? createLogger(config.log.level);
  const runtime: Runtime = await buildRuntime(config, logger, { clock: options.clock });
  const handle = (request: GatewayHttpRequest) => handleHttp(runtime, request);
  let closed = false;

  return {
    config,
    logger,
    async chat(request, callOptions) {
      const body = parseChatRequest(request);
      if (body.stream === true) body.stream = false;
      return (await completeChat(runtime, body, callOptions?.signal ?? NEVER_ABORTED, embeddedMeta())).completion;
    },
    async *stream(request, callOptions) {
      const body = { ...parseChatRequest(request), stream: true };
      const session = await streamChat(runtime, body, callOptions?.signal ?? NEVER_ABORTED, embeddedMeta());
      yield* session.chunks;
    },
    async embed(request, callOptions) {
      return (await createEmbeddings(runtime, parseEmbeddingsRequest(request), callOptions?.signal ?? NEVER_ABORTED, embeddedMeta())).response;
    },
    models: () => listModels(runtime),
    fetch: createFetchAdapter(handle),
    handle,
    failure: (path, error) => errorReplyFor(path, error, randomUUID(), runtime.redactor),
    disabledProviders: () => runtime.disabled,
    reports: {
      spend: (groupBy, from, to) => spendReport(runtime, groupBy, from, to),
      savings: (from, to, fees) => savingsReport(runtime, from, to, fees),
      requests: (limit, before) => recentRequests(runtime, limit, before),
    },
    async admin(method, path, body) {
      const url = new URL(path, "http://switchyard");
      const reply = await handleAdmin(runtime, {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: {},
        body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
        signal: NEVER_ABORTED,
      });
      const json = JSON.parse(typeof reply.body === "string" ? reply.body : "{}") as { error?: { message: string } };
      if (reply.status >= 400) throw new Error(json.error?.message ?? `HTTP ${reply.status}`);
      return json;
    },
    async probe(name, timeoutMs) {
      const provider = runtime.providers.get(name);
      return provider ? probeProvider(provider, timeoutMs) : { ok: false, detail: "not configured or disabled", models: [] };
    },
    async close() {
      if (closed) return;
      closed = true;
      await closeRuntime(runtime);
      logger.flush?.();
    },
  };
}
