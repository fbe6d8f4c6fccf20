/**
 * A provider's API keys in rotation. Requests round-robin across usable keys;
 * a key the provider rejects (401/403) leaves the rotation with an alert, and a
 * rate-limited key (429) rests until its reset while the others carry on.
 */
import type { Logger } from "pino";
import type { GatewayError } from "../core/errors.js";

interface KeySlot {
  value: string;
  label: string;
  disabled: string | undefined;
  restUntil: number;
}

/** Default rest for a rate-limited key that sent no Retry-After. */
const DEFAULT_REST_MS = 30_000;

export class KeyRing {
  private readonly slots: KeySlot[];
  private turn = 0;

  constructor(private readonly provider: string, keys: string[], private readonly log: Logger, private readonly now: () => number = Date.now) {
    // Labels identify a key in logs without revealing it.
    this.slots = keys.map((value, index) => ({ value, label: `#${index + 1} (…${value.slice(-4)})`, disabled: undefined, restUntil: 0 }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** The next usable key; a resting key only when every key rests; undefined when none is left or none exists. */
  next(): string | undefined {
    if (this.slots.length === 0) return undefined;
    const now = this.now();
    let resting: KeySlot | undefined;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[(this.turn + i) % this.slots.length]!;
      if (slot.disabled) continue;
      if (slot.restUntil > now) {
        if (!resting || slot.restUntil < resting.restUntil) resting = slot;
        continue;
      }
      this.turn = (this.turn + i + 1) % this.slots.length;
      return slot.value;
    }
    return resting?.value;
  }

  /**
   * Records what an upstream said about the key used. Returns true when
   * another key could succeed where this one failed (so retry at once).
   */
  report(key: string | undefined, error: GatewayError): boolean {
    const slot = this.slots.find((s) => s.value === key);
    if (!slot) return false;
    const status = error.upstreamStatus;
    if (error.kind === "upstream_auth" && (status === 401 || status === 403)) {
      slot.disabled = `HTTP ${status}`;
      this.log.error({ provider: this.provider, key: slot.label, status }, `provider '${this.provider}' rejected API key ${slot.label}: taken out of rotation`);
    } else if (error.kind === "rate_limit") {
      slot.restUntil = this.now() + (error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : DEFAULT_REST_MS);
    } else {
      return false;
    }
    return this.hasUsable();
  }

  private hasUsable(): boolean {
    const now = this.now();
    return this.slots.some((s) => !s.disabled && s.restUntil <= now);
  }

  /** For GET /admin/providers: per-key state, never the key. */
  status(): Array<{ key: string; state: "active" | "resting" | "disabled"; reason?: string }> {
    const now = this.now();
    return this.slots.map((s) =>
      s.disabled ? { key: s.label, state: "disabled", reason: s.disabled } : s.restUntil > now ? { key: s.label, state: "resting" } : { key: s.label, state: "active" },
    );
  }
}
