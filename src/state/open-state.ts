/**
 * Opens the StateStore named by `state.url` in the config: `memory://` for one
 * process, `redis://` or `rediss://` (TLS) when several instances share limits
 * and budgets. A Redis store is verified with PING before it is returned, so a
 * wrong URL fails at startup with a clear message rather than on the first request.
 *
 * @example const state = await openStateStore(config.state.url);
 */
import { MemoryStateStore } from "./memory-state.js";
import type { RedisStateStoreOptions } from "./redis-state.js";
import type { StateStore } from "./state-store.js";

export interface OpenStateStoreOptions extends RedisStateStoreOptions {
  /** Prefix of every Redis key. Default "sy:". */
  keyPrefix?: string;
}

export async function openStateStore(url: string, options: OpenStateStoreOptions = {}): Promise<StateStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "memory") return new MemoryStateStore({ clock: options.clock });
  if (scheme === "redis" || scheme === "rediss") {
    const { keyPrefix, ...redisOptions } = options;
    // Loaded only when used: the Redis client costs memory a single instance does not need.
    const { RedisStateStore } = await import("./redis-state.js");
    const store = new RedisStateStore(url, keyPrefix, redisOptions);
    await store.connect();
    return store;
  }
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const shown = scheme ? `scheme '${scheme}:'` : "(no scheme)";
  throw new Error(`Unsupported state.url ${shown}: expected memory:// or redis://host:port/db (rediss:// for TLS)`);
}
