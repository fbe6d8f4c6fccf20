/**
 * A provider's API keys in rotation. Requests round-robin across usable keys.
 * A key the provider rejects (401, or Gemini's invalid-key reasons) sits out
 * for a while with an alert, and a rate-limited key (429) rests until its
 * reset, while the others carry on. When no key is usable, the one most
 * likely to work still goes (a resting key before a rejected one): the
 * provider's own answer is the truthful error, and a key fixed at the
 * provider's end works again at once. A request never leaves without a key.
 */
import type { Logger } from "pino";
import type { GatewayError } from "../core/errors.js";
import { exhaustedUntil, type RateLimitState } from "../core/rate-limit.js";

interface KeySlot {
  value: string;
  label: string;
  /** Why the provider last rejected this key; it sits out until `rejectedUntil`. */
  rejected: string | undefined;
  rejectedUntil: number;
  restUntil: number;
}

/** Default rest for a rate-limited key that sent no Retry-After. */
const DEFAULT_REST_MS = 30_000;
/** The longest rest, whatever the Retry-After (a day's, from a proxy or a daily quota): the key is then tried again. */
export const MAX_REST_MS = 5 * 60_000;
/** How long a rejected key sits out while other keys are usable; then it is tried again. */
export const REJECTED_KEY_SIT_OUT_MS = 10 * 60_000;
/** Error codes that mean this key is invalid (OpenAI's code; Gemini's ErrorInfo reasons, lower-cased). */
const KEY_REJECTED_CODES = new Set(["invalid_api_key", "api_key_invalid", "api_key_service_blocked", "api_key_http_referrer_blocked", "api_key_ip_address_blocked"]);

export class KeyRing {
  private readonly slots: KeySlot[];
  private turn = 0;

  constructor(private readonly provider: string, keys: string[], private readonly log: Logger, private readonly now: () => number = Date.now) {
    // Labels identify a key in logs without revealing it.
    this.slots = keys.map((value, index) => ({ value, label: `#${index + 1} (…${value.slice(-4)})`, rejected: undefined, rejectedUntil: 0, restUntil: 0 }));
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * The next usable key. When none is usable: the resting key whose reset
   * comes first, else the rejected key due back first. Undefined only when the
   * provider has no key at all (Ollama, a local server).
   */
  next(): string | undefined {
    if (this.slots.length === 0) return undefined;
    const now = this.now();
    let fallback: KeySlot | undefined;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[(this.turn + i) % this.slots.length]!;
      if (this.usable(slot, now)) {
        this.turn = (this.turn + i + 1) % this.slots.length;
        return slot.value;
      }
      if (!fallback || rank(slot, now) < rank(fallback, now)) fallback = slot;
    }
    return fallback!.value;
  }

  /**
   * Records what an upstream said about the key used. Returns true when
   * another key could succeed where this one failed (so retry at once).
   */
  report(key: string | undefined, error: GatewayError): boolean {
    const slot = this.slots.find((s) => s.value === key);
    if (!slot) return false;
    if (error.kind === "rate_limit") {
      const restMs = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : DEFAULT_REST_MS;
      slot.restUntil = this.now() + Math.min(restMs, MAX_REST_MS);
    } else if (error.kind === "upstream_auth" && (error.upstreamStatus === 401 || (error.code !== null && KEY_REJECTED_CODES.has(error.code)))) {
      slot.rejected = `HTTP ${error.upstreamStatus ?? "?"}`;
      slot.rejectedUntil = this.now() + REJECTED_KEY_SIT_OUT_MS;
      const switchable = this.anotherUsable(slot);
      this.log.error(
        { provider: this.provider, key: slot.label, status: error.upstreamStatus },
        `provider '${this.provider}' rejected API key ${slot.label}: ${this.sitOutNote(switchable)}`,
      );
      return switchable;
    } else {
      // Other refusals (403: no access to this model; billing; region) say nothing certain
      // about the key: it stays in rotation, and the router moves to the next deployment.
      return false;
    }
    return this.anotherUsable(slot);
  }

  private anotherUsable(slot: KeySlot): boolean {
    const now = this.now();
    return this.slots.some((s) => s !== slot && this.usable(s, now));
  }

  /** What a rejection means for the requests to come: a rejected key still goes when no other is usable (see `next`). */
  private sitOutNote(anotherUsable: boolean): string {
    const minutes = REJECTED_KEY_SIT_OUT_MS / 60_000;
    if (anotherUsable) return `out of rotation for ${minutes} min while another key is usable`;
    if (this.slots.length === 1) return "it is the provider's only key, so requests still use it (and get the provider's refusal) until it is fixed";
    return `no other key is usable now, so requests may still use it; for ${minutes} min it goes only when no other key is usable`;
  }

  /**
   * Rests the key until its limits free up when an answer through it says they are spent (its
   * Retry-After, or a window with none remaining): a provider's limits belong to the key's account.
   * Returns whether it did.
   */
  observeRateLimit(key: string | undefined, state: RateLimitState): boolean {
    const until = exhaustedUntil(state);
    const slot = this.slots.find((s) => s.value === key);
    if (until === undefined || !slot) return false;
    slot.restUntil = Math.max(slot.restUntil, Math.min(until, this.now() + MAX_REST_MS));
    return true;
  }

  /** Undefined while some key is usable (or there are none); else when the first comes back. */
  allRestingUntil(): number | undefined {
    const now = this.now();
    let soonest: number | undefined;
    for (const slot of this.slots) {
      if (this.usable(slot, now)) return undefined;
      const back = Math.max(slot.restUntil, slot.rejectedUntil);
      if (soonest === undefined || back < soonest) soonest = back;
    }
    return soonest;
  }

  /**
   * Takes over what the ring this one replaces (a config reload) knew of the same keys: a key
   * the provider rejected, or told to rest, does not come back into rotation just because the
   * config was reloaded. Keys new to this ring start usable.
   */
  adopt(previous: KeyRing): void {
    for (const slot of this.slots) {
      const known = previous.slots.find((candidate) => candidate.value === slot.value);
      if (!known) continue;
      slot.rejected = known.rejected;
      slot.rejectedUntil = known.rejectedUntil;
      slot.restUntil = known.restUntil;
    }
  }

  private usable(slot: KeySlot, now: number): boolean {
    return slot.rejectedUntil <= now && slot.restUntil <= now;
  }

  /** For GET /admin/providers: per-key state, never the key. */
  status(): Array<{ key: string; state: "active" | "resting" | "rejected"; reason?: string; until?: string }> {
    const now = this.now();
    return this.slots.map((s) => {
      if (this.usable(s, now)) return { key: s.label, state: "active" };
      if (s.rejectedUntil > now) return { key: s.label, state: "rejected", reason: s.rejected, until: new Date(s.rejectedUntil).toISOString() };
      return { key: s.label, state: "resting", until: new Date(s.restUntil).toISOString() };
    });
  }
}

/** Lower is likelier to work: a resting key (its limit may have eased) before a rejected one, then whichever is due back first. */
function rank(slot: KeySlot, now: number): number {
  return slot.rejectedUntil > now ? Number.MAX_SAFE_INTEGER / 2 + slot.rejectedUntil : Math.max(slot.restUntil, now);
}
