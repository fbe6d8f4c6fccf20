/**
 * A `virtual_keys` row as both SQL key stores write it: the model list and
 * the metadata as JSON text, the boolean in the dialect's own form (SQLite
 * 0/1, PostgreSQL boolean). Reading rows back stays per dialect: the drivers
 * hand values back differently.
 */
import type { VirtualKey } from "./virtual-key.js";

export const KEY_COLUMNS = "id, name, prefix, hash, models, rpm, tpm, budget_usd, budget_period, expires_at, metadata, log_prompts, created_at, updated_at, revoked_at";

export interface KeyRow<Flag> {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  /** JSON text, stored verbatim. */
  models: string;
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  budget_period: string | null;
  expires_at: number | null;
  /** JSON text, stored verbatim. */
  metadata: string;
  log_prompts: Flag;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
}

export function keyToRow<Flag>(key: VirtualKey, flag: (on: boolean) => Flag): KeyRow<Flag> {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    hash: key.hash,
    models: JSON.stringify(key.models),
    rpm: key.rpm,
    tpm: key.tpm,
    budget_usd: key.budget_usd,
    budget_period: key.budget_period,
    expires_at: key.expires_at,
    metadata: JSON.stringify(key.metadata),
    log_prompts: flag(key.log_prompts),
    created_at: key.created_at,
    updated_at: key.updated_at,
    revoked_at: key.revoked_at,
  };
}
