/**
 * Orders one alias's deployments. Strategies are plain functions over the
 * health board; the first deployment is tried first, the rest are failover order.
 */
import type { HealthBoard } from "./health.js";
import type { Deployment, Strategy } from "./plan.js";

export interface StrategyContext {
  health: HealthBoard;
  /** Estimated cost of this request on a deployment; undefined when unpriced. */
  costOf(deployment: Deployment): number | undefined;
  /** Smooth weighted round-robin state per alias. */
  weightState: Map<string, Map<string, number>>;
  stream: boolean;
}

function byKey(deployments: Deployment[], key: (d: Deployment) => number): Deployment[] {
  // Stable: ties keep configured order.
  return deployments
    .map((d, index) => ({ d, index, k: key(d) }))
    .sort((a, b) => a.k - b.k || a.index - b.index)
    .map((entry) => entry.d);
}

/** Nginx's smooth weighted round-robin: even spread, deterministic, exact proportions. */
function weighted(deployments: Deployment[], alias: string, state: StrategyContext["weightState"]): Deployment[] {
  let current = state.get(alias);
  if (!current) state.set(alias, (current = new Map()));
  let total = 0;
  let best: Deployment | undefined;
  let bestWeight = -Infinity;
  for (const d of deployments) {
    const value = (current.get(d.id) ?? 0) + d.weight;
    current.set(d.id, value);
    total += d.weight;
    if (value > bestWeight) {
      bestWeight = value;
      best = d;
    }
  }
  current.set(best!.id, bestWeight - total);
  return [best!, ...byKey(deployments.filter((d) => d !== best), (d) => -d.weight)];
}

export function orderDeployments(strategy: Strategy, alias: string | undefined, deployments: Deployment[], context: StrategyContext): Deployment[] {
  if (deployments.length < 2) return deployments;
  switch (strategy) {
    case "ordered":
      return deployments;
    case "weighted":
      return weighted(deployments, alias ?? "", context.weightState);
    case "least-busy":
      return byKey(deployments, (d) => context.health.get(d.id).inFlight);
    case "lowest-latency":
      // Unmeasured deployments sort first so each gets measured.
      return byKey(deployments, (d) => {
        const health = context.health.get(d.id);
        return (context.stream ? health.firstTokenMs ?? health.latencyMs : health.latencyMs) ?? -1;
      });
    case "lowest-cost":
      return byKey(deployments, (d) => context.costOf(d) ?? Number.POSITIVE_INFINITY);
  }
}
