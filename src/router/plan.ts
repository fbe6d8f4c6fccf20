/**
 * Resolves a requested model name to groups of deployments: an alias's
 * deployments followed by its fallback aliases (recursively, without cycles),
 * a `provider/model` id, or a bare model a configured provider declares.
 */
import { GatewayError } from "../core/errors.js";

export type Strategy = "ordered" | "weighted" | "lowest-latency" | "least-busy" | "lowest-cost";

export interface Deployment {
  /** Configured provider name. */
  provider: string;
  /** Upstream model id. */
  model: string;
  weight: number;
  /** The alias this deployment came from, if any. */
  alias: string | undefined;
  /** Retries on the same deployment for retryable errors. */
  retries: number;
  /** `provider/model`, the key of its health record. */
  id: string;
}

export interface AliasRoute {
  strategy: Strategy;
  deployments: Array<{ provider: string; model: string; weight?: number | undefined }>;
  fallbacks: string[];
  contextWindowFallbacks: string[];
  retries: number;
}

export interface RouteTable {
  aliases: ReadonlyMap<string, AliasRoute>;
  providers: ReadonlySet<string>;
  /** Bare model ids declared under a provider's `models:` list → that provider. */
  declaredModels: ReadonlyMap<string, string>;
  /** Configured but disabled providers (a missing secret, say). */
  disabledProviders?: ReadonlySet<string>;
  /** A bare vendor model name → the one provider of that vendor (vendor-model.ts). */
  vendorOwner?: (model: string) => string | undefined;
}

/** Deployments that share one alias (and so one strategy). */
export interface DeploymentGroup {
  alias: string | undefined;
  strategy: Strategy;
  deployments: Deployment[];
}

export const DEFAULT_RETRIES = 2;

export function deployment(provider: string, model: string, alias: string | undefined, retries: number, weight = 1): Deployment {
  return { provider, model, weight, alias, retries, id: `${provider}/${model}` };
}

const configuredIds = new WeakMap<RouteTable, Set<string>>();

/** Whether `provider/model` is named by the config (an alias's deployment or a provider's `models:`), not only by a client. */
export function isConfiguredDeployment(table: RouteTable, provider: string, model: string): boolean {
  let ids = configuredIds.get(table);
  if (!ids) {
    ids = new Set<string>();
    for (const route of table.aliases.values()) for (const d of route.deployments) ids.add(`${d.provider}/${d.model}`);
    for (const [model, owner] of table.declaredModels) ids.add(`${owner}/${model}`);
    configuredIds.set(table, ids);
  }
  return ids.has(`${provider}/${model}`);
}

export function resolveGroups(table: RouteTable, requested: string, seen: Set<string> = new Set()): DeploymentGroup[] {
  if (table.aliases.has(requested)) return expandAlias(table, requested, seen);
  const slash = requested.indexOf("/");
  if (slash > 0) {
    const provider = requested.slice(0, slash);
    if (table.providers.has(provider)) {
      return [{ alias: undefined, strategy: "ordered", deployments: [deployment(provider, requested.slice(slash + 1), undefined, DEFAULT_RETRIES)] }];
    }
    // The reason (an unset variable, a file path) is for operators: GET /admin/providers and the log show it.
    if (table.disabledProviders?.has(provider)) {
      throw new GatewayError("upstream_unavailable", `Provider '${provider}' is configured but disabled; GET /admin/providers says why`, { code: "provider_disabled", provider });
    }
  }
  const owner = table.declaredModels.get(requested) ?? table.vendorOwner?.(requested);
  if (owner) return [{ alias: undefined, strategy: "ordered", deployments: [deployment(owner, requested, undefined, DEFAULT_RETRIES)] }];
  throw new GatewayError(
    "not_found",
    `The model '${requested}' does not exist: use an alias from GET /v1/models or 'provider/model' with a configured provider (${[...table.providers].join(", ") || "none configured"})`,
    { code: "model_not_found", param: "model" },
  );
}

function expandAlias(table: RouteTable, alias: string, seen: Set<string>): DeploymentGroup[] {
  if (seen.has(alias)) return [];
  seen.add(alias);
  const route = table.aliases.get(alias)!;
  const own = route.deployments
    .filter((d) => table.providers.has(d.provider))
    .map((d) => deployment(d.provider, d.model, alias, route.retries, d.weight ?? 1));
  const groups: DeploymentGroup[] = own.length > 0 ? [{ alias, strategy: route.strategy, deployments: own }] : [];
  for (const fallback of route.fallbacks) {
    if (table.aliases.has(fallback)) groups.push(...expandAlias(table, fallback, seen));
  }
  if (groups.length === 0 && seen.size === 1) {
    throw new GatewayError("upstream_unavailable", `No provider of alias '${alias}' is available (missing credentials?)`, {
      code: "no_available_deployment",
    });
  }
  return groups;
}
