/**
 * Building and changing `VirtualKey` records, shared by every key store so
 * they agree on defaults and on the budget rules.
 */
import { GatewayError } from "../core/errors.js";
import type { KeyCreateInput, KeyPatch } from "./key-input.js";
import { displayPrefix, generateKeyId, generateSecret, hashSecret, type VirtualKey } from "./virtual-key.js";

/** A new key and its secret; the secret exists only in this return value. */
export function newVirtualKey(input: KeyCreateInput, now: number): { key: VirtualKey; secret: string } {
  const secret = generateSecret();
  const budget = input.budget_usd ?? null;
  const key: VirtualKey = {
    id: generateKeyId(),
    name: input.name,
    prefix: displayPrefix(secret),
    hash: hashSecret(secret),
    models: [...(input.models ?? [])],
    rpm: input.rpm ?? null,
    tpm: input.tpm ?? null,
    budget_usd: budget,
    budget_period: budget === null ? null : (input.budget_period ?? "monthly"),
    expires_at: input.expires_at ?? null,
    metadata: { ...(input.metadata ?? {}) },
    log_prompts: input.log_prompts ?? false,
    created_at: now,
    updated_at: now,
    revoked_at: null,
  };
  return { key, secret };
}

/**
 * `key` with `patch` applied. Clearing the budget clears its period; setting
 * a budget on a key without one defaults the period to monthly. Identity
 * fields (id, hash, prefix, created_at) and revocation never change here.
 */
export function applyKeyPatch(key: VirtualKey, patch: KeyPatch, now: number): VirtualKey {
  const next: VirtualKey = { ...key, models: [...key.models], metadata: { ...key.metadata }, updated_at: now };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.models !== undefined) next.models = [...patch.models];
  if (patch.rpm !== undefined) next.rpm = patch.rpm;
  if (patch.tpm !== undefined) next.tpm = patch.tpm;
  if (patch.budget_usd !== undefined) next.budget_usd = patch.budget_usd;
  if (patch.budget_period !== undefined) next.budget_period = patch.budget_period;
  if (patch.expires_at !== undefined) next.expires_at = patch.expires_at;
  if (patch.metadata !== undefined) next.metadata = { ...patch.metadata };
  if (patch.log_prompts !== undefined) next.log_prompts = patch.log_prompts;
  if (next.budget_usd === null) {
    if (patch.budget_period != null) {
      throw new GatewayError("bad_request", "budget_period: requires budget_usd (this key has no budget)", { code: "invalid_key_request", param: "budget_period" });
    }
    next.budget_period = null;
  } else {
    next.budget_period ??= "monthly";
  }
  return next;
}

/** A copy the caller may mutate without touching the store's state. */
export function copyKey(key: VirtualKey): VirtualKey {
  return { ...key, models: [...key.models], metadata: { ...key.metadata } };
}
