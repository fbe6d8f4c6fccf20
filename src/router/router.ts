/**
 * The router: turns a request into an ordered plan (aliases, fallbacks, tag
 * rules, strategies, OpenRouter preferences, health) and runs it. Built once
 * per config; holds the health board that outlives single requests.
 */
import type { CancelSignal } from "../core/cancel-signal.js";
import { GatewayError } from "../core/errors.js";
import { systemClock, type RouterClock } from "./clock.js";
import { DEFAULT_COOLDOWN, HealthBoard, type CooldownPolicy } from "./health.js";
import { resolveGroups, type Deployment, type DeploymentGroup, type RouteTable } from "./plan.js";
import { applyPreferences, type PriceLookup, type ProviderPreferences } from "./provider-preferences.js";

const MAX_RESOLVED = 1_000;

/** Fallback models a request may list in `models`. */
export const MAX_FALLBACK_MODELS = 10;

/** Output tokens assumed for cost comparisons when a request sets no cap. */
const TYPICAL_OUTPUT_TOKENS = 256;
import { DEFAULT_BACKOFF, runAttempts, type BackoffPolicy, type RunResult } from "./run-attempts.js";
import { orderDeployments } from "./strategies.js";
import { applyTagRules, type TagRule } from "./tag-rules.js";

export interface RouteRequest {
  model: string;
  /** OpenRouter-style fallback models, tried after `model`'s plan. */
  models?: string[];
  provider?: ProviderPreferences;
  tags: string[];
  /** Estimated prompt tokens (lazy: only computed when a rule or window needs it). */
  promptTokens: () => number;
  /** The request's output cap, when it set one (for cost estimates). */
  maxOutputTokens?: number;
  stream: boolean;
}

export interface RouterOptions {
  clock?: RouterClock;
  cooldown?: CooldownPolicy;
  backoff?: BackoffPolicy;
  tagRules?: TagRule[];
  /** Health carried over from a previous router (config reload keeps cooldowns). */
  health?: HealthBoard;
  prices?: PriceLookup;
  /** Context window (input + output tokens) of a deployment, when known. */
  contextWindowOf?: (deployment: Deployment) => number | undefined;
}

export interface Plan {
  /** The model after tag rules. */
  model: string;
  deployments: Deployment[];
  /** Deployments with a larger context window, for `context_length_exceeded`. */
  contextFallback: () => Deployment[];
}

const NO_PRICES: PriceLookup = { pricesOf: () => undefined, costOf: () => undefined };

export class Router {
  readonly health: HealthBoard;
  private readonly clock: RouterClock;
  private readonly backoff: BackoffPolicy;
  private readonly prices: PriceLookup;
  private readonly weightState = new Map<string, Map<string, number>>();
  /** Resolved groups per requested model: the route table never changes under a router. */
  private readonly resolved = new Map<string, { groups: DeploymentGroup[]; aliases: string[] }>();

  constructor(private readonly table: RouteTable, private readonly options: RouterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const cooldown = options.cooldown ?? DEFAULT_COOLDOWN;
    this.health = options.health ?? new HealthBoard(this.clock, cooldown);
    if (options.health) options.health.setPolicy(cooldown);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.prices = options.prices ?? NO_PRICES;
  }

  plan(request: RouteRequest): Plan {
    const model = applyTagRules(this.options.tagRules ?? [], { model: request.model, tags: request.tags, promptTokens: request.promptTokens });
    const seen = new Set<string>();
    let ordered = request.models === undefined ? this.order(model, request, seen) : this.orderWithFallbackModels(model, request.models, request, seen);
    ordered = dedupe(ordered);
    if (request.provider) ordered = applyPreferences(ordered, request.provider, this.prices, this.costFunction(request), this.health);
    const fitting = this.fitContextWindow(ordered, request);
    return {
      model,
      deployments: this.healthyFirst(fitting.length > 0 ? fitting : ordered),
      contextFallback: () => this.healthyFirst(this.contextFallbacks(model, request, ordered)),
    };
  }

  run<T>(plan: Plan, attempt: (deployment: Deployment) => Promise<T>, signal: CancelSignal, stream: boolean): Promise<RunResult<T>> {
    return runAttempts(plan.deployments, attempt, {
      health: this.health,
      clock: this.clock,
      backoff: this.backoff,
      signal,
      holdUntilReleased: stream,
      contextFallback: plan.contextFallback,
    });
  }

  /**
   * `model`'s deployments, then those of each of the request's `models` (OpenRouter's fallbacks),
   * a bounded list: each entry may cost several upstream calls. A model that exists but cannot
   * serve now (its provider disabled) is passed over while another can; a name that does not
   * exist is the client's mistake, reported on `models`.
   */
  private orderWithFallbackModels(model: string, models: string[], request: RouteRequest, seen: Set<string>): Deployment[] {
    if (models.length > MAX_FALLBACK_MODELS) {
      throw new GatewayError("bad_request", `'models' lists ${models.length} models; at most ${MAX_FALLBACK_MODELS} are allowed`, { code: "too_many_models", param: "models" });
    }
    let ordered: Deployment[] = [];
    let unavailable: GatewayError | undefined;
    for (let index = 0; index <= models.length; index++) {
      const name = index === 0 ? model : models[index - 1]!;
      if (index > 0 && (name === model || seen.has(name))) continue;
      try {
        ordered = ordered.concat(this.order(name, request, seen));
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        if (error.kind === "upstream_unavailable") {
          unavailable ??= error;
          continue;
        }
        if (index > 0 && error.kind === "not_found") throw new GatewayError("not_found", `Invalid 'models': ${error.message}`, { code: error.code, param: "models" });
        throw error;
      }
    }
    if (ordered.length === 0 && unavailable) throw unavailable;
    return ordered;
  }

  /** May return a cached array: callers copy before changing it. */
  private order(model: string, request: RouteRequest, seen: Set<string>): Deployment[] {
    const groups = seen.size === 0 ? this.resolveFresh(model, seen) : resolveGroups(this.table, model, seen);
    // The common case, one deployment: nothing to order, so no strategy context is built.
    if (groups.length === 1 && groups[0]!.deployments.length < 2) return groups[0]!.deployments;
    const context = { health: this.health, costOf: this.costFunction(request), weightState: this.weightState, stream: request.stream };
    return groups.flatMap((group) => orderDeployments(group.strategy, group.alias, group.deployments, context));
  }

  /** Resolution from scratch is pure, so it is cached (bounded: model names come from clients). */
  private resolveFresh(model: string, seen: Set<string>): DeploymentGroup[] {
    let entry = this.resolved.get(model);
    if (!entry) {
      const aliases = new Set<string>();
      entry = { groups: resolveGroups(this.table, model, aliases), aliases: [...aliases] };
      if (this.resolved.size >= MAX_RESOLVED) this.resolved.clear();
      this.resolved.set(model, entry);
    }
    for (const alias of entry.aliases) seen.add(alias);
    return entry.groups;
  }

  private costFunction(request: RouteRequest): (deployment: Deployment) => number | undefined {
    let tokens: { prompt: number; output: number } | undefined;
    return (deployment) => {
      tokens ??= { prompt: request.promptTokens(), output: request.maxOutputTokens ?? TYPICAL_OUTPUT_TOKENS };
      return this.prices.costOf(deployment, tokens);
    };
  }

  /** Deployments known to be too small for the prompt are left out (when any other fits). */
  private fitContextWindow(plan: Deployment[], request: RouteRequest): Deployment[] {
    const windowOf = this.options.contextWindowOf;
    // With one deployment there is nothing to leave out in favour of another.
    if (!windowOf || plan.length < 2 || !plan.some((d) => windowOf(d) !== undefined)) return plan;
    const needed = request.promptTokens();
    return plan.filter((d) => (windowOf(d) ?? Number.POSITIVE_INFINITY) > needed);
  }

  private contextFallbacks(model: string, request: RouteRequest, tried: Deployment[]): Deployment[] {
    const route = this.table.aliases.get(model);
    const seen = new Set<string>([model]);
    const candidates = (route?.contextWindowFallbacks ?? []).flatMap((alias) => this.order(alias, request, seen));
    const triedIds = new Set(tried.map((d) => d.id));
    return dedupe(candidates.filter((d) => !triedIds.has(d.id)));
  }

  /** Cooling-down and rate-limited deployments go last: tried only when nothing healthy is left. */
  private healthyFirst(plan: Deployment[]): Deployment[] {
    if (plan.length < 2) return plan;
    const healthy = plan.filter((d) => this.health.isAvailable(d.id));
    if (healthy.length === plan.length) return plan;
    return [...healthy, ...plan.filter((d) => !this.health.isAvailable(d.id))];
  }
}

function dedupe(plan: Deployment[]): Deployment[] {
  if (plan.length < 2) return plan;
  const seen = new Set<string>();
  return plan.filter((d) => !seen.has(d.id) && seen.add(d.id));
}
