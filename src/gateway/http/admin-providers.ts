/**
 * GET /admin/providers: what each provider and deployment looks like right now —
 * health, cooldown, in-flight requests, latency, last rate-limit state. No secrets.
 */
import type { Runtime } from "../runtime.js";

const iso = (ms: number | undefined) => (ms && ms > Date.now() ? new Date(ms).toISOString() : null);
const round = (value: number | undefined) => (value === undefined ? null : Math.round(value));

export function providersReport(runtime: Runtime): Record<string, unknown> {
  const providers = [...runtime.providers.values()].map((provider) => ({
    name: provider.name,
    type: provider.type,
    base_url: `${provider.settings.origin}${provider.settings.basePath}`,
    keys: provider.keys.status(),
    status: "enabled",
  }));
  const disabled = runtime.disabled.map(({ provider, reason }) => ({ name: provider, type: runtime.config.providers[provider]?.type, status: "disabled", reason }));
  const deployments = runtime.router.health.snapshot().map((health) => {
    const limit = health.rateLimit;
    return {
      id: health.id,
      healthy: runtime.router.health.isAvailable(health.id),
      in_flight: health.inFlight,
      successes: health.successes,
      failures: health.failures,
      consecutive_failures: health.consecutiveFailures,
      cooldown_until: iso(health.cooldownUntil),
      skip_until: iso(health.skipUntil),
      latency_ms: round(health.latencyMs),
      first_token_ms: round(health.firstTokenMs),
      last_error: health.lastError ?? null,
      rate_limit: limit
        ? {
            requests_remaining: limit.requestsRemaining ?? null,
            requests_reset_at: limit.requestsResetAt ? new Date(limit.requestsResetAt).toISOString() : null,
            tokens_remaining: limit.tokensRemaining ?? null,
            tokens_reset_at: limit.tokensResetAt ? new Date(limit.tokensResetAt).toISOString() : null,
            observed_at: new Date(limit.observedAt).toISOString(),
          }
        : null,
    };
  });
  return { providers: [...providers, ...disabled], deployments };
}
