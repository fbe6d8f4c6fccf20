/**
 * Runs a plan: attempts per deployment with retries, backoff and failover as
 * the error table says, honouring Retry-After and recording health. Knows
 * nothing of wire formats; it sees only GatewayErrors.
 */
import type { CancelSignal } from "../core/cancel-signal.js";
import { asGatewayError, GatewayError } from "../core/errors.js";
import { classifyError } from "./classify.js";
import type { RouterClock } from "./clock.js";
import type { HealthBoard } from "./health.js";
import type { Deployment } from "./plan.js";

export interface AttemptTrace {
  deployment: Deployment;
  /** HTTP status of the attempt (200 for success), or the error kind when there was none. */
  outcome: string;
}

export interface RunResult<T> {
  value: T;
  deployment: Deployment;
  attempts: AttemptTrace[];
  /** Marks the deployment's request finished (streams call it when the stream ends). */
  release(): void;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** A Retry-After longer than this moves to the next deployment instead of waiting. */
  maxWaitMs: number;
}

/** Bounds immediate retries with another provider key within one request. */
const MAX_KEY_SWITCHES = 8;

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 5_000, maxWaitMs: 10_000 };

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
      // Kept for the log (an unexpected failure's stack); never shown to the client.
      cause: last.cause,
    });
  }
}

export interface RunContext {
  health: HealthBoard;
  clock: RouterClock;
  backoff: BackoffPolicy;
  signal: CancelSignal;
  /** Whether the caller releases the deployment itself (streams: when the stream ends). */
  holdUntilReleased: boolean;
  /** Plan to switch to when a deployment reports the context window was exceeded. */
  contextFallback?: () => Deployment[];
}

export async function runAttempts<T>(plan: Deployment[], attempt: (deployment: Deployment) => Promise<T>, context: RunContext): Promise<RunResult<T>> {
  const { health, clock, backoff, signal } = context;
  const attempts: AttemptTrace[] = [];
  let last: GatewayError | undefined;
  let queue = plan;
  let switchedForContext = false;
  let keySwitches = 0;
  outer: for (let index = 0; index < queue.length; index++) {
    const deployment = queue[index]!;
    for (let retry = 0; retry <= deployment.retries; retry++) {
      if (signal.aborted) throw new AttemptsExhausted(asGatewayError(signal.reason), attempts);
      const started = clock.now();
      health.start(deployment.id);
      let released = false;
      const release = () => {
        if (!released) health.finish(deployment.id);
        released = true;
      };
      try {
        const value = await attempt(deployment);
        health.success(deployment.id, clock.now() - started, context.holdUntilReleased ? clock.now() - started : undefined);
        attempts.push({ deployment, outcome: "200" });
        if (!context.holdUntilReleased) release();
        return { value, deployment, attempts, release };
      } catch (error) {
        release();
        last = asGatewayError(error);
        attempts.push({ deployment, outcome: String(last.upstreamStatus ?? last.kind) });
        // The attempt the caller left (or the gateway cancelled) during is kept: the ledger names the provider it reached.
        if (last.kind === "client_closed") throw new AttemptsExhausted(last, attempts);
        // Cancelled for another reason (shutting down): not the deployment's failure, and nothing to retry.
        if (signal.aborted) throw new AttemptsExhausted(asGatewayError(signal.reason), attempts);
        if (last.retryWithAnotherKey && keySwitches < MAX_KEY_SWITCHES) {
          // The provider's key failed, not the deployment: another key goes at once, costing no retry.
          keySwitches++;
          retry--;
          continue;
        }
        const action = classifyError(last);
        if (action === "stop") break outer;
        if (action === "context") {
          const fallback = switchedForContext ? undefined : context.contextFallback?.();
          if (!fallback || fallback.length === 0) break outer;
          switchedForContext = true;
          queue = fallback;
          index = -1;
          continue outer;
        }
        health.failure(deployment.id, `${last.kind}${last.upstreamStatus ? ` ${last.upstreamStatus}` : ""}`);
        const retryAfterMs = last.retryAfterSeconds !== undefined ? last.retryAfterSeconds * 1000 : 0;
        // A 429's reset, or a 503 asking to come back later: out of rotation until then.
        if (retryAfterMs > 0) health.skipUntil(deployment.id, clock.now() + retryAfterMs);
        if (action !== "retry" || retry === deployment.retries) continue outer;
        // Full jitter, but never sooner than the upstream asked.
        const jitter = clock.random() * Math.min(backoff.maxMs, backoff.baseMs * 2 ** retry);
        const wait = Math.max(jitter, retryAfterMs);
        if (wait > backoff.maxWaitMs) continue outer;
        await clock.sleep(wait, signal);
      }
    }
  }
  if (!last) throw new AttemptsExhausted(new GatewayError("upstream_unavailable", "No deployment was available for this request", { code: "no_available_deployment" }), attempts);
  throw new AttemptsExhausted(asFinalError(last, attempts[attempts.length - 1]?.deployment), attempts);
}

/**
 * The last error, as the client gets it once every attempt failed. An upstream 404 from an
 * alias's deployment means the config names a model the provider lacks: the gateway failed
 * (502), the model the client asked for exists. A `provider/model` of the client's own stays a 404.
 */
function asFinalError(last: GatewayError, deployment: Deployment | undefined): GatewayError {
  if (last.kind !== "not_found" || last.upstreamStatus === undefined || deployment?.alias === undefined) return last;
  return new GatewayError(
    "upstream_error",
    `Provider '${deployment.provider}' does not serve model '${deployment.model}' (alias '${deployment.alias}'; HTTP ${last.upstreamStatus}): ${last.message}`,
    { code: "deployment_not_found", upstreamStatus: last.upstreamStatus, provider: deployment.provider, cause: last.cause },
  );
}

/** `openai/gpt-4o:429>anthropic/claude-sonnet-4-5:200` */
export function formatRoute(attempts: AttemptTrace[]): string {
  return attempts.map((a) => `${a.deployment.id}:${a.outcome}`).join(">");
}
