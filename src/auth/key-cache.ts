/**
 * Hash → key lookups remembered for a few seconds, so the hot path rarely
 * reaches the database. Found and not-found answers are kept in separate,
 * bounded maps: a flood of garbage keys can evict only other garbage, never
 * the keys of real clients. Oldest entries go first when a map is full.
 */
import type { VirtualKey } from "./virtual-key.js";

export interface KeyCacheOptions {
  /** How long a found key is trusted without asking the store (ms). Other processes' changes show up after at most this. */
  ttlMs?: number;
  /** How long "no such key" is remembered (ms). */
  negativeTtlMs?: number;
  /** Upper bound of each map. */
  maxEntries?: number;
  now?: () => number;
}

export type CacheLookup = { hit: true; key: VirtualKey | undefined } | { hit: false };

interface Entry<T> {
  value: T;
  expiresAt: number;
}

export class KeyCache {
  private readonly found = new Map<string, Entry<VirtualKey>>();
  private readonly missing = new Map<string, Entry<undefined>>();
  /** Key id → hash, to invalidate by id. */
  private readonly hashById = new Map<string, string>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: KeyCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get(hash: string): CacheLookup {
    const now = this.now();
    const found = this.found.get(hash);
    if (found) {
      if (found.expiresAt > now) return { hit: true, key: found.value };
      this.deleteFound(hash, found.value.id);
    }
    const missing = this.missing.get(hash);
    if (missing) {
      if (missing.expiresAt > now) return { hit: true, key: undefined };
      this.missing.delete(hash);
    }
    return { hit: false };
  }

  /** Remembers a store answer; the key is frozen because every request shares it. */
  set(hash: string, key: VirtualKey | undefined): void {
    const now = this.now();
    if (key === undefined) {
      if (this.ttlOff(this.negativeTtlMs)) return;
      evictOldest(this.missing, this.maxEntries);
      this.missing.set(hash, { value: undefined, expiresAt: now + this.negativeTtlMs });
      return;
    }
    if (this.ttlOff(this.ttlMs)) return;
    this.missing.delete(hash);
    if (!this.found.has(hash)) {
      const evicted = evictOldest(this.found, this.maxEntries);
      if (evicted) this.hashById.delete(evicted.id);
    }
    this.found.set(hash, { value: freezeKey(key), expiresAt: now + this.ttlMs });
    this.hashById.set(key.id, hash);
  }

  /** Forgets key `id` (after an update or revocation in this process). */
  invalidate(id: string): void {
    const hash = this.hashById.get(id);
    if (hash !== undefined) this.deleteFound(hash, id);
  }

  /** Forgets a "not found" for `hash` (a key with this hash now exists). */
  invalidateHash(hash: string): void {
    this.missing.delete(hash);
    const found = this.found.get(hash);
    if (found) this.deleteFound(hash, found.value.id);
  }

  clear(): void {
    this.found.clear();
    this.missing.clear();
    this.hashById.clear();
  }

  get size(): { found: number; missing: number } {
    return { found: this.found.size, missing: this.missing.size };
  }

  private deleteFound(hash: string, id: string): void {
    this.found.delete(hash);
    if (this.hashById.get(id) === hash) this.hashById.delete(id);
  }

  private ttlOff(ttl: number): boolean {
    return ttl <= 0 || this.maxEntries <= 0;
  }
}

/** Drops the first-inserted entry when `map` is full; returns its value. */
function evictOldest<T>(map: Map<string, Entry<T>>, max: number): T | undefined {
  if (map.size < max) return undefined;
  const oldest = map.keys().next();
  if (oldest.done) return undefined;
  const entry = map.get(oldest.value);
  map.delete(oldest.value);
  return entry?.value;
}

function freezeKey(key: VirtualKey): VirtualKey {
  Object.freeze(key.models);
  Object.freeze(key.metadata);
  return Object.freeze(key);
}
