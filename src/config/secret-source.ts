/**
 * Resolves every secret reference in a config. `env:` and `file:` are read
 * on demand; `vault:` values are fetched ahead of each runtime build (Vault is
 * remote and async) and re-read when their TTL expires, so a rotated secret
 * reaches new requests without a restart.
 */
import type { SwitchyardConfig } from "./schema.js";
import { resolveSecret, type SecretResult } from "./secrets.js";
import { createVaultResolver, type VaultResolver } from "./vault.js";

export type SecretLookup = (reference: string) => SecretResult;

/** Every secret reference a config holds: provider keys and headers, the master key. */
export function secretReferences(config: SwitchyardConfig): string[] {
  const references: string[] = [];
  if (config.server.master_key) references.push(config.server.master_key);
  for (const provider of Object.values(config.providers)) {
    if (provider.api_key !== undefined) references.push(...(Array.isArray(provider.api_key) ? provider.api_key : [provider.api_key]));
    references.push(...Object.values(provider.headers ?? {}));
  }
  return references;
}

export class SecretSource {
  private vaultValues = new Map<string, SecretResult>();
  private vault: VaultResolver | undefined;

  constructor(private readonly options: { ttlMs: number; onVaultError: (reason: string) => void }) {}

  /** Fetches the config's `vault:` values; returns true when any value changed since the last call. */
  async prepare(config: SwitchyardConfig): Promise<boolean> {
    const references = [...new Set(secretReferences(config).filter((ref) => ref.startsWith("vault:")))];
    if (references.length === 0) return false;
    this.vault ??= createVaultResolver({ ttlMs: this.options.ttlMs, onError: (error) => this.options.onVaultError(`${error.path}: ${error.reason}`) });
    const next = new Map<string, SecretResult>();
    await Promise.all(references.map(async (reference) => next.set(reference, await this.vault!.resolve(reference))));
    const changed = references.some((ref) => JSON.stringify(next.get(ref)) !== JSON.stringify(this.vaultValues.get(ref)));
    this.vaultValues = next;
    return changed;
  }

  get usesVault(): boolean {
    return this.vaultValues.size > 0;
  }

  readonly resolve: SecretLookup = (reference) => {
    if (!reference.startsWith("vault:")) return resolveSecret(reference);
    return this.vaultValues.get(reference) ?? { ok: false, reason: "vault reference was not fetched" };
  };
}
