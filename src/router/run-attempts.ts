/**
 * Runs a plan: one attempt per deployment in order, moving on when an error
 * says another deployment may succeed. Knows nothing of wire formats; it sees
 * only GatewayErrors and keeps a compact trace of what happened.
 */
import { asGatewayError, GatewayError } from "../core/errors.js";
import type { Deployment } from "./plan.js";

export interface AttemptTrace {
  deployment: Deployment;
  /** HTTP status of the attempt (200 for success), or the error kind when none. */
  outcome: string;
}

export interface RunResult<T> {
  value: T;
  deployment: Deployment;
  attempts: AttemptTrace[];
}

/** Thrown when every attempt failed; carries the trace for headers and the ledger. */
export class AttemptsExhausted extends GatewayError {
  constructor(last: GatewayError, readonly attempts: AttemptTrace[]) {
    super(last.kind, last.message, {
      code: last.code,
      param: last.param,
      status: last.status,
      upstreamStatus: last.upstreamStatus,
      retryAfterSeconds: last.retryAfterSeconds,
      provider: last.provider,
    });
  }
}

export async function runAttempts<T>(
  plan: Deployment[],
  attempt: (deployment: Deployment) => Promise<T>,
  signal?: AbortSignal,
): Promise<RunResult<T>> {
  const attempts: AttemptTrace[] = [];
  let last: GatewayError | undefined;
  for (const deployment of plan) {
    if (signal?.aborted) break;
    try {
      const value = await attempt(deployment);
      attempts.push({ deployment, outcome: "200" });
      return { value, deployment, attempts };
    } catch (error) {
      last = asGatewayError(error);
      attempts.push({ deployment, outcome: String(last.upstreamStatus ?? last.kind) });
      if (!last.failover) break;
    }
  }
  throw new AttemptsExhausted(last ?? new GatewayError("upstream_unavailable", "No deployment was attempted"), attempts);
}

/** `openai/gpt-4o:429>anthropic/claude-sonnet-4-5:200` */
export function formatRoute(attempts: AttemptTrace[]): string {
  return attempts.map((a) => `${a.deployment.provider}/${a.deployment.model}:${a.outcome}`).join(">");
}
