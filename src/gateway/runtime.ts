/**
 * Turns a validated config into what the hot path needs: one adapter and one
 * pooled client per enabled provider, and the route table. Built once per
 * config, never per request.
 */
import type { Logger } from "pino";
import { Redactor } from "../core/redact.js";
import type { ProviderConfig, SwitchyardConfig } from "../config/schema.js";
import { resolveSecret } from "../config/secrets.js";
import type { ProviderAdapter, ProviderSettings } from "../providers/adapter.js";
import { providerType } from "../providers/registry.js";
import { LedgerWriter } from "../accounting/ledger-writer.js";
import { PriceCatalog } from "../accounting/price-catalog.js";
import type { RouterClock } from "../router/clock.js";
import { KeyAuthenticator } from "../auth/key-authenticator.js";
import type { StateStore } from "../state/state-store.js";
import { Governance } from "./governance.js";
import { KeyRing } from "./key-ring.js";
import { Metrics } from "./metrics.js";
import { openStores, type Stores } from "./stores.js";
import { Pricing } from "./pricing.js";
import { DEFAULT_RETRIES, type AliasRoute, type RouteTable } from "../router/plan.js";
import { Router } from "../router/router.js";
import { UpstreamClient } from "../transport/upstream-client.js";

export interface Timeouts {
  /** Whole non-stream request. */
  totalMs: number;
  /** Until a stream's response headers arrive. */
  firstTokenMs: number;
  /** Longest silence inside a stream. */
  streamIdleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { totalMs: 600_000, firstTokenMs: 120_000, streamIdleMs: 120_000 };

export interface ProviderRuntime {
  name: string;
  type: string;
  settings: ProviderSettings;
  adapter: ProviderAdapter;
  client: UpstreamClient;
  timeouts: Timeouts;
  /** Models declared in config for GET /v1/models. */
  declaredModels: string[];
  /** The provider's keys in rotation. */
  keys: KeyRing;
}

export interface Runtime {
  config: SwitchyardConfig;
  providers: Map<string, ProviderRuntime>;
  routes: RouteTable;
  router: Router;
  pricing: Pricing;
  stores: Stores;
  ledger: LedgerWriter;
  governance: Governance;
  authenticator: KeyAuthenticator;
  /** The resolved master key, when one is configured. */
  masterKey: string | undefined;
  metrics: Metrics;
  log: Logger;
  aliasTimeouts: Map<string, Partial<Timeouts>>;
  redactor: Redactor;
  /** Why configured providers are not available (missing secrets, …). */
  disabled: Array<{ provider: string; reason: string }>;
}

function splitBaseUrl(url: string): { origin: string; basePath: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, basePath: parsed.pathname.replace(/\/+$/, "") };
}

function buildProvider(name: string, config: ProviderConfig, redactor: Redactor, log: Logger): ProviderRuntime | string {
  const type = providerType(config.type);
  if (!type) return `unknown provider type '${config.type}'`;
  const references = config.api_key === undefined ? [] : Array.isArray(config.api_key) ? config.api_key : [config.api_key];
  const apiKeys: string[] = [];
  for (const [index, reference] of references.entries()) {
    const secret = resolveSecret(reference);
    if (!secret.ok) {
      log.warn({ provider: name }, `provider '${name}': api_key${references.length > 1 ? `[${index}]` : ""} skipped: ${secret.reason}`);
      continue;
    }
    if (secret.literal) log.warn({ provider: name }, `provider '${name}': api_key is a literal value; prefer env:NAME or file:/path`);
    apiKeys.push(secret.value);
  }
  if (type.keyRequired && apiKeys.length === 0) return "no usable api_key";
  const headers: Record<string, string> = {};
  for (const [header, reference] of Object.entries(config.headers ?? {})) {
    const secret = resolveSecret(reference);
    if (!secret.ok) return `header '${header}': ${secret.reason}`;
    headers[header.toLowerCase()] = secret.value;
    if (!secret.literal) redactor.add(secret.value);
  }
  redactor.add(...apiKeys);
  const { origin, basePath } = splitBaseUrl(config.base_url ?? type.baseUrl!);
  const settings: ProviderSettings = { name, type: config.type, origin, basePath, apiKeys, apiVersion: config.api_version, headers };
  return {
    name,
    type: config.type,
    settings,
    adapter: type.create(settings),
    client: new UpstreamClient(name, origin, config.max_connections),
    timeouts: {
      totalMs: config.timeout_ms ?? DEFAULT_TIMEOUTS.totalMs,
      firstTokenMs: config.first_token_timeout_ms ?? DEFAULT_TIMEOUTS.firstTokenMs,
      streamIdleMs: config.stream_idle_timeout_ms ?? DEFAULT_TIMEOUTS.streamIdleMs,
    },
    declaredModels: config.models ?? [],
    keys: new KeyRing(name, apiKeys, log),
  };
}

export interface RuntimeOptions {
  /** Injectable time for tests of cooldowns and backoff. */
  clock?: RouterClock;
  /** A state store to use instead of opening `state.url` (workers share the primary's). */
  state?: StateStore;
}

export async function buildRuntime(config: SwitchyardConfig, log: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const redactor = new Redactor();
  const providers = new Map<string, ProviderRuntime>();
  const disabled: Runtime["disabled"] = [];
  for (const [name, providerConfig] of Object.entries(config.providers)) {
    const built = buildProvider(name, providerConfig, redactor, log);
    if (typeof built === "string") {
      disabled.push({ provider: name, reason: built });
      log.warn({ provider: name }, `provider '${name}' disabled: ${built}`);
    } else {
      providers.set(name, built);
    }
  }
  const aliases = new Map<string, AliasRoute>();
  const aliasTimeouts = new Map<string, Partial<Timeouts>>();
  for (const [alias, entry] of Object.entries(config.models)) {
    aliases.set(alias, {
      strategy: entry.strategy,
      deployments: entry.deployments,
      fallbacks: entry.fallbacks ?? [],
      contextWindowFallbacks: entry.context_window_fallbacks ?? [],
      retries: entry.retries ?? DEFAULT_RETRIES,
    });
    aliasTimeouts.set(alias, { totalMs: entry.timeout_ms, firstTokenMs: entry.first_token_timeout_ms });
  }
  const declaredModels = new Map<string, string>();
  for (const provider of providers.values()) {
    for (const model of provider.declaredModels) if (!declaredModels.has(model)) declaredModels.set(model, provider.name);
  }
  let masterKey: string | undefined;
  if (config.server.master_key) {
    const secret = resolveSecret(config.server.master_key);
    if (!secret.ok) throw new Error(`server.master_key: ${secret.reason}`);
    masterKey = secret.value;
    redactor.add(masterKey);
  }
  const routes: RouteTable = { aliases, providers: new Set(providers.keys()), declaredModels };
  const { cooldown, backoff, rules } = config.routing;
  const pricing = new Pricing(PriceCatalog.fromConfig(config.pricing), (name) => providers.get(name)?.type ?? config.providers[name]?.type);
  const stores = await openStores(config.storage.url, config.state.url, log, { state: options.state });
  const ledger = new LedgerWriter(stores.ledger, {
    onError(event) {
      if (event.kind === "write_failed") log.error({ rows: event.rows, retryInMs: event.retryInMs }, `ledger write failed (${(event.error as Error)?.message ?? event.error}); rows kept in memory and retried`);
      else log.error({ rows: event.rows, total: event.totalDropped, reason: event.reason }, "ledger rows dropped");
    },
  });
  const router = new Router(routes, {
    prices: pricing,
    contextWindowOf: (deployment) => pricing.contextWindowOf(deployment),
    clock: options.clock,
    cooldown: { failures: cooldown.failures, initialMs: cooldown.initial_ms, maxMs: cooldown.max_ms },
    backoff: { baseMs: backoff.base_ms, maxMs: backoff.max_ms, maxWaitMs: backoff.max_wait_ms },
    tagRules: rules,
  });
  return {
    config,
    providers,
    routes,
    router,
    pricing,
    stores,
    ledger,
    governance: new Governance(stores.state, pricing, stores.audit),
    authenticator: new KeyAuthenticator({ store: stores.keys, masterKey }),
    masterKey,
    metrics: new Metrics({
      ledger: () => ledger.stats(),
      inFlight: () => router.health.snapshot().map((h) => ({ id: h.id, inFlight: h.inFlight, healthy: router.health.isAvailable(h.id) })),
    }),
    log,
    aliasTimeouts,
    redactor,
    disabled,
  };
}

/** Flushes the ledger and closes connections; call after in-flight requests have drained. */
export async function closeRuntime(runtime: Runtime): Promise<void> {
  await runtime.ledger.close();
  runtime.authenticator.close();
  await runtime.stores.close();
  await Promise.all([...runtime.providers.values()].map((provider) => provider.client.close()));
}
