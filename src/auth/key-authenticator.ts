/**
 * Decides who is calling, on every request: the master key, a virtual key, or
 * nobody (401). Comparisons are constant-time over SHA-256 digests; virtual
 * keys are looked up by hash through a short-lived cache.
 *
 * ```ts
 * const auth = new KeyAuthenticator({ store: keys, masterKey: config.server.master_key });
 * const principal = auth.authenticate({ authorization: req.headers.authorization, "x-api-key": req.headers["x-api-key"] });
 * if (principal.kind === "virtual") assertModelAllowed(principal.key, body.model);
 * ```
 *
 * Changes made through the same `KeyStore` object invalidate the cache at
 * once (the authenticator subscribes to it); changes made by another process
 * sharing the database are seen within `ttlMs` (5 s by default).
 */
import { KeyAuthError } from "./key-auth-error.js";
import { KeyCache, type KeyCacheOptions } from "./key-cache.js";
import type { KeyStore } from "./key-store.js";
import { readPresentedKey, type AuthHeaders } from "./presented-key.js";
import { displayPrefix, hashSecret, sameDigest, SECRET_PATTERN, type VirtualKey } from "./virtual-key.js";

export type Principal = { kind: "master" } | { kind: "virtual"; key: VirtualKey };

export interface KeyAuthenticatorOptions extends Omit<KeyCacheOptions, "now"> {
  store: KeyStore;
  /** The resolved master key; undefined or empty when none is configured (then only virtual keys authenticate). */
  masterKey?: string | null;
  /** Clock for expiry and the cache (epoch ms). */
  now?: () => number;
}

export class KeyAuthenticator {
  private readonly store: KeyStore;
  private readonly masterDigest: string | undefined;
  private readonly cache: KeyCache;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(options: KeyAuthenticatorOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.masterDigest = options.masterKey ? hashSecret(options.masterKey) : undefined;
    this.cache = new KeyCache({ ttlMs: options.ttlMs, negativeTtlMs: options.negativeTtlMs, maxEntries: options.maxEntries, now: this.now });
    this.unsubscribe = this.store.onChange((key) => this.cache.invalidateHash(key.hash));
  }

  /** The caller's principal, or throws a KeyAuthError (GatewayError "auth", 401). */
  authenticate(headers: AuthHeaders): Principal {
    const presented = readPresentedKey(headers);
    const digest = hashSecret(presented);
    if (this.masterDigest && sameDigest(digest, this.masterDigest)) return { kind: "master" };
    // Only the shape of a virtual key reaches the cache or the database.
    if (!SECRET_PATTERN.test(presented)) throw new KeyAuthError("invalid_api_key", "Invalid API key");
    const keyPrefix = displayPrefix(presented);
    const key = this.lookup(digest);
    if (!key || !sameDigest(key.hash, digest)) {
      throw new KeyAuthError("invalid_api_key", "Invalid API key", { keyPrefix });
    }
    if (key.revoked_at !== null) {
      throw new KeyAuthError("key_revoked", "This API key has been revoked", { keyId: key.id, keyPrefix });
    }
    if (key.expires_at !== null && this.now() >= key.expires_at) {
      throw new KeyAuthError("key_expired", `This API key expired at ${new Date(key.expires_at).toISOString()}`, { keyId: key.id, keyPrefix });
    }
    return { kind: "virtual", key };
  }

  /** Drops key `id` from the cache; call after changing it other than through the subscribed store. */
  invalidate(id: string): void {
    this.cache.invalidate(id);
  }

  invalidateAll(): void {
    this.cache.clear();
  }

  /** Unsubscribes from the store (the store itself stays open). */
  close(): void {
    this.unsubscribe();
    this.cache.clear();
  }

  private lookup(hash: string): VirtualKey | undefined {
    const cached = this.cache.get(hash);
    if (cached.hit) return cached.key;
    const key = this.store.findByHash(hash);
    this.cache.set(hash, key);
    return key;
  }
}

