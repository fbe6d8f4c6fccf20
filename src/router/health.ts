/**
 * Per-deployment health: consecutive failures and cooldown, rate-limit skips,
 * requests in flight, and latency EWMAs. Shown by GET /admin/providers and
 * consulted by strategies before a request is sent.
 */
import { exhaustedUntil, type RateLimitState } from "../core/rate-limit.js";
import type { RouterClock } from "./clock.js";

export interface CooldownPolicy {
  /** Consecutive failures that put a deployment in cooldown. */
  failures: number;
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_COOLDOWN: CooldownPolicy = { failures: 3, initialMs: 30_000, maxMs: 300_000 };

const EWMA_WEIGHT = 0.3;

export interface DeploymentHealth {
  id: string;
  inFlight: number;
  consecutiveFailures: number;
  /** Cooldowns served in a row; each one doubles the next. Reset on success. */
  cooldowns: number;
  cooldownUntil: number;
  /** Set from a 429's reset time or Retry-After, and from `remaining: 0` headers; at most the cooldown's `maxMs` ahead. */
  skipUntil: number;
  latencyMs: number | undefined;
  firstTokenMs: number | undefined;
  successes: number;
  failures: number;
  lastError: string | undefined;
  rateLimit: RateLimitState | undefined;
}

/**
 * Deployments tracked at most. Clients may name any `provider/model`, so the
 * board must not grow with every invented name: past this, the oldest entry
 * at rest (nothing in flight, no cooldown or skip pending) makes room.
 */
export const MAX_TRACKED_DEPLOYMENTS = 1_000;

export class HealthBoard {
  private readonly board = new Map<string, DeploymentHealth>();

  constructor(private readonly clock: RouterClock, private policy: CooldownPolicy = DEFAULT_COOLDOWN) {}

  /** A reloaded config's cooldown settings: the board (its failures and cooldowns) is carried over, its policy is not. */
  setPolicy(policy: CooldownPolicy): void {
    this.policy = policy;
  }

  get(id: string): DeploymentHealth {
    let health = this.board.get(id);
    if (!health) {
      if (this.board.size >= MAX_TRACKED_DEPLOYMENTS) this.evictOneAtRest();
      health = { id, inFlight: 0, consecutiveFailures: 0, cooldowns: 0, cooldownUntil: 0, skipUntil: 0, latencyMs: undefined, firstTokenMs: undefined, successes: 0, failures: 0, lastError: undefined, rateLimit: undefined };
      this.board.set(id, health);
    }
    return health;
  }

  private evictOneAtRest(): void {
    const now = this.clock.now();
    for (const [id, health] of this.board) {
      if (health.inFlight === 0 && health.cooldownUntil <= now && health.skipUntil <= now) {
        this.board.delete(id);
        return;
      }
    }
  }

  /** Healthy: not cooling down and not asked (by a 429 or its headers) to wait. */
  isAvailable(id: string): boolean {
    const health = this.board.get(id);
    if (!health) return true;
    const now = this.clock.now();
    return health.cooldownUntil <= now && health.skipUntil <= now;
  }

  start(id: string): void {
    this.get(id).inFlight++;
  }

  finish(id: string): void {
    const health = this.get(id);
    health.inFlight = Math.max(0, health.inFlight - 1);
  }

  success(id: string, latencyMs: number, firstTokenMs?: number): void {
    const health = this.get(id);
    health.successes++;
    health.consecutiveFailures = 0;
    health.cooldowns = 0;
    health.cooldownUntil = 0;
    health.latencyMs = ewma(health.latencyMs, latencyMs);
    if (firstTokenMs !== undefined) health.firstTokenMs = ewma(health.firstTokenMs, firstTokenMs);
  }

  /** Counts a failure of the deployment itself (not of the client's request). */
  failure(id: string, reason: string): void {
    const health = this.get(id);
    health.failures++;
    health.lastError = reason;
    health.consecutiveFailures++;
    if (health.consecutiveFailures >= this.policy.failures) {
      const ms = Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** health.cooldowns);
      health.cooldownUntil = this.clock.now() + ms;
      health.cooldowns++;
      health.consecutiveFailures = 0;
    }
  }

  /**
   * Do not send to this deployment before `until` (epoch ms), held to the longest cooldown: an
   * upstream asking for a day (a proxy's Retry-After, a daily quota) is asked again after that.
   */
  skipUntil(id: string, until: number): void {
    const health = this.get(id);
    health.skipUntil = Math.max(health.skipUntil, Math.min(until, this.clock.now() + this.policy.maxMs));
  }

  /** Records rate-limit headers; an exhausted window steers traffic away until it resets. */
  observeRateLimit(id: string, state: RateLimitState): void {
    this.recordRateLimit(id, state);
    const until = exhaustedUntil(state);
    if (until) this.skipUntil(id, until);
  }

  /** Records rate-limit headers only (for GET /admin/providers), steering nothing. */
  recordRateLimit(id: string, state: RateLimitState): void {
    this.get(id).rateLimit = state;
  }

  snapshot(): DeploymentHealth[] {
    return [...this.board.values()].map((health) => ({ ...health }));
  }
}

function ewma(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + EWMA_WEIGHT * (sample - previous);
}
