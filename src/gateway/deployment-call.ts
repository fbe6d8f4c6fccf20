/**
 * Per-deployment pieces every attempt needs: the provider runtime, its
 * timeouts (alias overrides provider), and where its rate-limit headers go.
 */
import type { CancelSignal } from "../core/cancel-signal.js";
import { GatewayError } from "../core/errors.js";
import type { Deployment } from "../router/plan.js";
import type { AttemptTrace } from "../router/run-attempts.js";
import type { CallContext, UpstreamRequest } from "../providers/adapter.js";
import type { ProviderRuntime, Runtime, Timeouts } from "./runtime.js";
import { callJson, type JsonAnswer, type RateLimitObserver } from "./upstream-call.js";

export interface RouteInfo {
  deployment: Deployment;
  attempts: AttemptTrace[];
  /** The virtual key's rate-limit state as `x-ratelimit-*` headers, when the key has rpm or tpm. */
  rateLimits?: Record<string, string>;
}

export function providerFor(runtime: Runtime, deployment: Deployment): ProviderRuntime {
  const provider = runtime.providers.get(deployment.provider);
  if (!provider) throw new GatewayError("upstream_unavailable", `Provider '${deployment.provider}' is not available`);
  return provider;
}

/**
 * Where an answer's rate-limit headers go. They describe the account of the key that was sent:
 * with several keys, that key rests and the deployment stays in rotation until none is left.
 */
export function observerFor(runtime: Runtime, provider: ProviderRuntime, deployment: Deployment, apiKey: string | undefined): RateLimitObserver {
  const health = runtime.router.health;
  if (provider.keys.size < 2) return (state) => health.observeRateLimit(deployment.id, state);
  return (state) => {
    health.recordRateLimit(deployment.id, state);
    // Only an answer that rested its key can leave every key resting.
    const back = provider.keys.observeRateLimit(apiKey, state) ? provider.keys.allRestingUntil() : undefined;
    if (back !== undefined) health.skipUntil(deployment.id, back);
  };
}

export function timeoutsFor(runtime: Runtime, provider: ProviderRuntime, deployment: Deployment): Timeouts {
  const alias = deployment.alias ? runtime.aliasTimeouts.get(deployment.alias) : undefined;
  return {
    totalMs: alias?.totalMs ?? provider.timeouts.totalMs,
    firstTokenMs: alias?.firstTokenMs ?? provider.timeouts.firstTokenMs,
    streamIdleMs: provider.timeouts.streamIdleMs,
  };
}

/** Sends one non-stream request to the deployment's provider (chat and embeddings alike); the JSON of its 2xx answer. */
export function callDeployment(runtime: Runtime, provider: ProviderRuntime, deployment: Deployment, context: CallContext, request: UpstreamRequest, signal: CancelSignal): Promise<JsonAnswer> {
  return callJson(provider, observerFor(runtime, provider, deployment, context.apiKey), request, timeoutsFor(runtime, provider, deployment), signal, runtime.redactor);
}

/** Runs one upstream call with the provider's next key, and tells the key ring how that key fared. */
export async function callWithKey<T>(provider: ProviderRuntime, deployment: Deployment, call: (context: CallContext) => Promise<T>): Promise<T> {
  const context: CallContext = { model: deployment.model, apiKey: provider.keys.next() };
  try {
    return await call(context);
  } catch (error) {
    if (error instanceof GatewayError && provider.keys.report(context.apiKey, error)) error.retryWithAnotherKey = true;
    throw error;
  }
}
