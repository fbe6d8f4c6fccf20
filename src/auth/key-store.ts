/**
 * Where virtual keys live. Synchronous on purpose: `findByHash` sits on the
 * request path and SQLite (better-sqlite3) answers in microseconds, so there
 * is no promise to await per request. The PostgreSQL store keeps every key
 * in memory and writes through in the background (see `flush`).
 */
import type { KeyCreateInput, KeyPatch } from "./key-input.js";
import type { VirtualKey } from "./virtual-key.js";

/** Called after a key is created, updated or revoked, with its new state. */
export type KeyChangeListener = (key: VirtualKey) => void;

export interface KeyStore {
  /** Creates a key; the returned `secret` is never stored and cannot be recovered. */
  create(input: KeyCreateInput): { key: VirtualKey; secret: string };
  /** The key whose secret hashes to `hash` (hex SHA-256), revoked or not. */
  findByHash(hash: string): VirtualKey | undefined;
  get(id: string): VirtualKey | undefined;
  /** Every key, revoked ones included, oldest first. */
  list(): VirtualKey[];
  /** The updated key, or undefined when no key has this id. Throws a 400 for an inconsistent budget. */
  update(id: string, patch: KeyPatch): VirtualKey | undefined;
  /** True when this call revoked the key; false when it does not exist or was already revoked. */
  revoke(id: string): boolean;
  /** Subscribes to changes made through this store; returns the unsubscribe function. */
  onChange(listener: KeyChangeListener): () => void;
  /**
   * Resolves once every change made so far is stored; rejects when one could
   * not be. Only stores that write in the background (PostgreSQL) have it;
   * callers that must know a change is durable await `flush?.()`.
   */
  flush?(): Promise<void>;
  /**
   * Takes in a change another process stored in the shared database (`null`:
   * the key no longer exists), at once instead of at the next refresh. Only
   * stores that mirror the database in memory (PostgreSQL) have it.
   */
  adopt?(id: string, key: VirtualKey | null): void;
  /** Stops the store. A shared database handle stays open: its opener closes it. */
  close(): void;
}

export interface KeyStoreOptions {
  /** Clock for created_at / updated_at / revoked_at (epoch ms). */
  now?: () => number;
}

/** The listener set both stores use; a throwing listener cannot break a store call. */
export class KeyChangeListeners {
  private readonly listeners = new Set<KeyChangeListener>();

  add(listener: KeyChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(key: VirtualKey): void {
    for (const listener of this.listeners) {
      try {
        listener(key);
      } catch {
        // A listener's failure is its own; the change is already stored.
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
