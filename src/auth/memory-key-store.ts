/** Keys in process memory: for tests and the embedded gateway without storage. */
import type { KeyCreateInput, KeyPatch } from "./key-input.js";
import { applyKeyPatch, copyKey, newVirtualKey } from "./key-record.js";
import { KeyChangeListeners, type KeyChangeListener, type KeyStore, type KeyStoreOptions } from "./key-store.js";
import type { VirtualKey } from "./virtual-key.js";

export class MemoryKeyStore implements KeyStore {
  private readonly byId = new Map<string, VirtualKey>();
  private readonly idByHash = new Map<string, string>();
  private readonly listeners = new KeyChangeListeners();
  private readonly now: () => number;

  constructor(options: KeyStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  create(input: KeyCreateInput): { key: VirtualKey; secret: string } {
    const { key, secret } = newVirtualKey(input, this.now());
    this.byId.set(key.id, key);
    this.idByHash.set(key.hash, key.id);
    this.listeners.emit(copyKey(key));
    return { key: copyKey(key), secret };
  }

  findByHash(hash: string): VirtualKey | undefined {
    const id = this.idByHash.get(hash);
    return id === undefined ? undefined : this.get(id);
  }

  get(id: string): VirtualKey | undefined {
    const key = this.byId.get(id);
    return key && copyKey(key);
  }

  list(): VirtualKey[] {
    return [...this.byId.values()].map(copyKey);
  }

  update(id: string, patch: KeyPatch): VirtualKey | undefined {
    const current = this.byId.get(id);
    if (!current) return undefined;
    const next = applyKeyPatch(current, patch, this.now());
    this.byId.set(id, next);
    this.listeners.emit(copyKey(next));
    return copyKey(next);
  }

  revoke(id: string): boolean {
    const current = this.byId.get(id);
    if (!current || current.revoked_at !== null) return false;
    const now = this.now();
    const next = { ...current, revoked_at: now, updated_at: now };
    this.byId.set(id, next);
    this.listeners.emit(copyKey(next));
    return true;
  }

  onChange(listener: KeyChangeListener): () => void {
    return this.listeners.add(listener);
  }

  close(): void {
    this.listeners.clear();
  }
}
