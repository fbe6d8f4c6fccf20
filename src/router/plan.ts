/**
 * Resolves a requested model name to an ordered plan of deployments: an alias's
 * deployments followed by its fallback aliases (recursively, without cycles), a
 * `provider/model` id, or a bare model a configured provider declares.
 */
import { GatewayError } from "../core/errors.js";

export interface Deployment {
  /** Configured provider name. */
  provider: string;
  /** Upstream model id. */
  model: string;
  weight: number;
  /** The alias this deployment came from, if any. */
  alias: string | undefined;
}

export interface AliasRoute {
  deployments: Array<{ provider: string; model: string; weight?: number | undefined }>;
  fallbacks: string[];
}

export interface RouteTable {
  aliases: ReadonlyMap<string, AliasRoute>;
  providers: ReadonlySet<string>;
  /** Bare model ids declared under a provider's `models:` list → that provider. */
  declaredModels: ReadonlyMap<string, string>;
}

export function resolvePlan(table: RouteTable, requested: string): Deployment[] {
  if (table.aliases.has(requested)) return expandAlias(table, requested, new Set());
  const slash = requested.indexOf("/");
  if (slash > 0) {
    const provider = requested.slice(0, slash);
    if (table.providers.has(provider)) {
      return [{ provider, model: requested.slice(slash + 1), weight: 1, alias: undefined }];
    }
  }
  const owner = table.declaredModels.get(requested);
  if (owner) return [{ provider: owner, model: requested, weight: 1, alias: undefined }];
  throw new GatewayError(
    "not_found",
    `The model '${requested}' does not exist: use an alias from GET /v1/models or 'provider/model' with a configured provider (${[...table.providers].join(", ") || "none configured"})`,
    { code: "model_not_found", param: "model" },
  );
}

function expandAlias(table: RouteTable, alias: string, seen: Set<string>): Deployment[] {
  seen.add(alias);
  const route = table.aliases.get(alias)!;
  const plan: Deployment[] = route.deployments
    .filter((d) => table.providers.has(d.provider))
    .map((d) => ({ provider: d.provider, model: d.model, weight: d.weight ?? 1, alias }));
  for (const fallback of route.fallbacks) {
    if (!seen.has(fallback) && table.aliases.has(fallback)) plan.push(...expandAlias(table, fallback, seen));
  }
  if (plan.length === 0 && seen.size === 1) {
    throw new GatewayError("upstream_unavailable", `No provider of alias '${alias}' is available (missing credentials?)`, {
      code: "no_available_deployment",
    });
  }
  return plan;
}
