/**
 * Turns a validated config into what the hot path needs: one adapter and one
 * pooled client per enabled provider, the router, prices and key governance.
 * Built once per config (and again on reload), never per request. Stores, the
 * ledger writer and metrics are shared services that outlive a reload.
 */
import type { Logger } from "pino";
import { LedgerWriter } from "../accounting/ledger-writer.js";
import { PriceCatalog } from "../accounting/price-catalog.js";
import { KeyAuthenticator } from "../auth/key-authenticator.js";
import { Redactor } from "../core/redact.js";
import { CONFIG_OBJECT, ConfigError } from "../config/load.js";
import type { SwitchyardConfig } from "../config/schema.js";
import type { SecretLookup } from "../config/secret-source.js";
import type { RouterClock } from "../router/clock.js";
import { DEFAULT_RETRIES, isConfiguredDeployment, type AliasRoute, type RouteTable } from "../router/plan.js";
import { Router } from "../router/router.js";
import { vendorOwner } from "../router/vendor-model.js";
import type { StateStore } from "../state/state-store.js";
import { BudgetSeeds } from "./budget-seeds.js";
import { Governance } from "./governance.js";
import { InFlightCount } from "./in-flight-count.js";
import { Metrics } from "./metrics.js";
import { Pricing } from "./pricing.js";
import { PromptLog } from "./prompt-log.js";
import { buildProvider, type ProviderRuntime, type Timeouts } from "./provider-runtime.js";
import { openStores, type Stores } from "./stores.js";

export type { ProviderRuntime, Timeouts } from "./provider-runtime.js";

/** Services that live as long as the gateway, across config reloads. */
export interface SharedServices {
  stores: Stores;
  ledger: LedgerWriter;
  metrics: Metrics;
  log: Logger;
  clock: RouterClock | undefined;
  /** The runtime serving new requests (metrics read it at scrape time). */
  current: Runtime | undefined;
  /** Budget state seeded from the ledger (kept across reloads: a key is seeded once a period). */
  budgetSeeds: BudgetSeeds;
}

export interface Runtime extends Omit<SharedServices, "current" | "clock" | "budgetSeeds"> {
  config: SwitchyardConfig;
  providers: Map<string, ProviderRuntime>;
  routes: RouteTable;
  router: Router;
  pricing: Pricing;
  governance: Governance;
  authenticator: KeyAuthenticator;
  /** The resolved master key, when one is configured. */
  masterKey: string | undefined;
  /** `server.cors_origins` as applied: without a master key, `*` is not (see corsOriginsFor). */
  corsOrigins: readonly string[];
  aliasTimeouts: Map<string, Partial<Timeouts>>;
  redactor: Redactor;
  /** Why configured providers are not available (missing secrets, …). */
  disabled: Array<{ provider: string; reason: string }>;
  promptLog: PromptLog;
  /** Requests started on this runtime and not yet finished: a reload retires it once they are done. */
  users: InFlightCount;
}

export interface RuntimeOptions {
  /** Injectable time for tests of cooldowns and backoff. */
  clock?: RouterClock;
  /** A state store to use instead of opening `state.url` (workers share the primary's). */
  state?: StateStore;
}

export async function openSharedServices(config: SwitchyardConfig, log: Logger, options: RuntimeOptions = {}): Promise<SharedServices> {
  const stores = await openStores(config.storage.url, config.state.url, log, { state: options.state });
  const ledger = new LedgerWriter(stores.ledger, {
    onError(event) {
      if (event.kind === "write_failed") log.error({ rows: event.rows, retryInMs: event.retryInMs }, `ledger write failed (${(event.error as Error)?.message ?? event.error}); rows kept in memory and retried`);
      else log.error({ rows: event.rows, total: event.totalDropped, reason: event.reason }, "ledger rows dropped");
    },
    onSaved: (event) => log.error({ rows: event.rows, file: event.file, maybeWritten: event.maybeWritten }, "ledger store unavailable at shutdown: rows saved to a file, load them once it is back"),
  });
  const shared: SharedServices = {
    stores,
    ledger,
    log,
    clock: options.clock,
    current: undefined,
    budgetSeeds: new BudgetSeeds(
      stores.state,
      async (from) => {
        await ledger.flush();
        return stores.ledger.spend({ groupBy: "key", from });
      },
      Date.now(),
    ),
    metrics: new Metrics({
      ledger: () => ledger.stats(),
      inFlight: () => {
        const router = shared.current?.router;
        return router ? router.health.snapshot().map((h) => ({ id: h.id, inFlight: h.inFlight, healthy: router.health.isAvailable(h.id) })) : [];
      },
      configured: (provider, model) => {
        const routes = shared.current?.routes;
        return routes !== undefined && isConfiguredDeployment(routes, provider, model);
      },
      pricedByDefault: (provider, model) => {
        const quote = shared.current?.pricing.quote({ id: `${provider}/${model}`, provider, model });
        return quote?.priced === true && quote.origin === "local";
      },
    }),
  };
  return shared;
}

function aliasRoutes(config: SwitchyardConfig): { aliases: Map<string, AliasRoute>; timeouts: Map<string, Partial<Timeouts>> } {
  const aliases = new Map<string, AliasRoute>();
  const timeouts = new Map<string, Partial<Timeouts>>();
  for (const [alias, entry] of Object.entries(config.models)) {
    aliases.set(alias, {
      strategy: entry.strategy,
      deployments: entry.deployments,
      fallbacks: entry.fallbacks ?? [],
      contextWindowFallbacks: entry.context_window_fallbacks ?? [],
      retries: entry.retries ?? DEFAULT_RETRIES,
    });
    timeouts.set(alias, { totalMs: entry.timeout_ms, firstTokenMs: entry.first_token_timeout_ms });
  }
  return { aliases, timeouts };
}

/**
 * The browser origins allowed. Without a master key the API, the admin API included, is open to
 * whoever reaches it, so `*` would let any web page the operator visits create keys and spend
 * provider credit: there only origins listed by name count.
 */
function corsOriginsFor(configured: readonly string[], masterKey: boolean, log: Logger): readonly string[] {
  if (masterKey || !configured.includes("*")) return configured;
  log.warn("server.cors_origins '*' is ignored without server.master_key (any web page could use the open API); list origins by name, or set a master key");
  return configured.filter((origin) => origin !== "*");
}

/** Builds the routing side of a config over the shared services; `previous` hands over deployment health and key states. */
export function buildRuntime(config: SwitchyardConfig, shared: SharedServices, resolveSecret: SecretLookup, previous?: Runtime): Runtime {
  const { log } = shared;
  const redactor = new Redactor();
  let masterKey: string | undefined;
  if (config.server.master_key) {
    const secret = resolveSecret(config.server.master_key);
    // A ConfigError like any other config problem: embedders can tell it apart, and the CLI exits 2.
    if (!secret.ok) throw new ConfigError(CONFIG_OBJECT, [`server.master_key: ${secret.reason}`]);
    if (secret.literal) log.warn("server.master_key is a literal value; prefer env:NAME or file:/path");
    masterKey = secret.value;
    redactor.add(masterKey);
  }
  const providers = new Map<string, ProviderRuntime>();
  const disabled: Runtime["disabled"] = [];
  for (const [name, providerConfig] of Object.entries(config.providers)) {
    const built = buildProvider(name, providerConfig, redactor, log, resolveSecret);
    if (typeof built === "string") {
      disabled.push({ provider: name, reason: built });
      log.warn({ provider: name }, `provider '${name}' disabled: ${built}`);
    } else {
      // Keys the provider refused or rate-limited stay out of rotation across a reload.
      const before = previous?.providers.get(name);
      if (before) built.keys.adopt(before.keys);
      providers.set(name, built);
    }
  }
  const { aliases, timeouts } = aliasRoutes(config);
  const declaredModels = new Map<string, string>();
  for (const provider of providers.values()) {
    for (const model of provider.declaredModels) if (!declaredModels.has(model)) declaredModels.set(model, provider.name);
  }
  const { cooldown, backoff, rules } = config.routing;
  const pricing = new Pricing(PriceCatalog.fromConfig(config.pricing), (name) => providers.get(name)?.type ?? config.providers[name]?.type);
  const providerTypes = new Map([...providers.values()].map((provider) => [provider.name, provider.type]));
  const routes: RouteTable = {
    aliases,
    providers: new Set(providers.keys()),
    declaredModels,
    disabledProviders: new Set(disabled.map((d) => d.provider)),
    vendorOwner: vendorOwner(providerTypes, (model) => pricing.catalog.vendorOf(model)),
  };
  const router = new Router(routes, {
    prices: pricing,
    contextWindowOf: (deployment) => pricing.contextWindowOf(deployment),
    clock: shared.clock,
    health: previous?.router.health,
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
    stores: shared.stores,
    ledger: shared.ledger,
    metrics: shared.metrics,
    log,
    governance: new Governance(shared.stores.state, pricing, shared.stores.audit, Date.now, shared.budgetSeeds),
    authenticator: new KeyAuthenticator({ store: shared.stores.keys, masterKey }),
    masterKey,
    corsOrigins: corsOriginsFor(config.server.cors_origins, masterKey !== undefined, log),
    aliasTimeouts: timeouts,
    redactor,
    disabled,
    promptLog: new PromptLog(config.log, log, redactor),
    users: new InFlightCount(),
  };
}

/**
 * Longest a replaced runtime waits for its requests before its pools close anyway: past every
 * default timeout (pools still let dispatched requests, open streams included, finish).
 */
const RETIRE_MAX_WAIT_MS = 15 * 60_000;

/** Retires a runtime a reload replaced: once the requests that started on it are done, its pools close. */
export async function retireReplacedRuntime(runtime: Runtime): Promise<void> {
  await runtime.users.drained(RETIRE_MAX_WAIT_MS);
  await retireRuntime(runtime);
}

/** Closes a runtime's pools (they still let dispatched requests finish) and its authenticator. */
export async function retireRuntime(runtime: Runtime): Promise<void> {
  runtime.authenticator.close();
  await Promise.all([...runtime.providers.values()].map((provider) => provider.client.close()));
}

/** Flushes the ledger and closes everything; call after in-flight requests have drained. */
export async function closeRuntime(runtime: Runtime): Promise<void> {
  await runtime.ledger.close();
  await retireRuntime(runtime);
  await runtime.stores.close();
  runtime.metrics.close();
}
