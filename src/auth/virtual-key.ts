/**
 * A virtual key: what a client presents instead of a provider key. Only the
 * SHA-256 of its secret is kept; the secret is shown once, at creation.
 */
import { hash, randomBytes } from "node:crypto";

/** Every virtual key secret starts with this, so it is recognizable in configs and by secret scanners. */
export const SECRET_PREFIX = "sk-sy-";
/** `sk-sy-` + base64url of 32 random bytes (43 characters, no padding). */
export const SECRET_PATTERN = /^sk-sy-[A-Za-z0-9_-]{43}$/;
/** Length of the display prefix: `sk-sy-` plus 4 characters of the secret (24 bits of 256). */
export const DISPLAY_PREFIX_LENGTH = 10;

export type BudgetPeriod = "daily" | "weekly" | "monthly" | "total";
export const BUDGET_PERIODS = ["daily", "weekly", "monthly", "total"] as const satisfies readonly BudgetPeriod[];

/** Free-form labels attached to a key (team, owner, ...), carried into the ledger. */
export type KeyMetadata = Record<string, string | number | boolean>;

export interface VirtualKey {
  /** `key_` + 16 hex characters; safe to log and show. */
  id: string;
  name: string;
  /** First 10 characters of the secret (`sk-sy-AbCd`), to tell keys apart in listings and logs. */
  prefix: string;
  /** Hex SHA-256 of the full secret. */
  hash: string;
  /** Allowed aliases or `provider/model` patterns (see model-scope.ts); empty allows every model. */
  models: string[];
  /** Requests per minute; null = unlimited. */
  rpm: number | null;
  /** Tokens per minute; null = unlimited. */
  tpm: number | null;
  /** Spend limit in USD per `budget_period`; null = no budget. */
  budget_usd: number | null;
  /** Set exactly when `budget_usd` is. */
  budget_period: BudgetPeriod | null;
  /** Epoch ms after which the key is refused; null = never expires. */
  expires_at: number | null;
  metadata: KeyMetadata;
  /** Whether the ledger may store this key's prompts and completions (redacted). */
  log_prompts: boolean;
  /** Epoch ms. */
  created_at: number;
  updated_at: number;
  /** Epoch ms of revocation; a revoked key is refused for good. */
  revoked_at: number | null;
}

/** A key as the admin API shows it: everything but the hash. */
export type PublicVirtualKey = Omit<VirtualKey, "hash">;

/** A new random secret: `sk-sy-` + base64url of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64url");
}

/**
 * Hex SHA-256 of a secret: what is stored and looked up. A plain hash suffices:
 * the secret has 256 bits of entropy. One-shot `crypto.hash` (0.4 µs) rather
 * than a Hash object (1.4 µs): it runs on every request with a key.
 */
export function hashSecret(secret: string): string {
  return hash("sha256", secret, "hex");
}

/** Equal hex digests, compared without an early exit. */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** A new key id: `key_` + 16 random hex characters. */
export function generateKeyId(): string {
  return `key_${randomBytes(8).toString("hex")}`;
}

/** The display prefix of a secret (`sk-sy-AbCd`). */
export function displayPrefix(secret: string): string {
  return secret.slice(0, DISPLAY_PREFIX_LENGTH);
}

export function toPublicKey(key: VirtualKey): PublicVirtualKey {
  const { hash: _hash, ...rest } = key;
  return { ...rest, models: [...rest.models], metadata: { ...rest.metadata } };
}
