/**
 * The `virtual_keys` table in PostgreSQL: its migrations and the mapping
 * between rows and `VirtualKey` records.
 */
import { GatewayError } from "../core/errors.js";
import { DB_NOW_MS, pgNumber, pgNumberOrNull, type PgMigration } from "../storage/postgres.js";
import { keyToRow, type KeyRow } from "./key-row.js";
import type { BudgetPeriod, KeyMetadata, VirtualKey } from "./virtual-key.js";

export const KEY_PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "create virtual_keys",
    sql: `
      CREATE TABLE virtual_keys (
        seq           BIGINT GENERATED ALWAYS AS IDENTITY,
        id            TEXT             PRIMARY KEY,
        name          TEXT             NOT NULL,
        prefix        TEXT             NOT NULL,
        hash          TEXT             NOT NULL,
        models        JSON             NOT NULL DEFAULT '[]',
        rpm           BIGINT,
        tpm           BIGINT,
        budget_usd    DOUBLE PRECISION,
        budget_period TEXT CHECK (budget_period IN ('daily', 'weekly', 'monthly', 'total')),
        expires_at    BIGINT,
        metadata      JSON             NOT NULL DEFAULT '{}',
        log_prompts   BOOLEAN          NOT NULL DEFAULT FALSE,
        created_at    BIGINT           NOT NULL,
        updated_at    BIGINT           NOT NULL,
        revoked_at    BIGINT,
        changed_at    BIGINT           NOT NULL DEFAULT ${DB_NOW_MS}
      );
      CREATE UNIQUE INDEX virtual_keys_hash ON virtual_keys (hash);
      CREATE INDEX virtual_keys_changed_at ON virtual_keys (changed_at);
    `,
  },
];

/** The columns `update` may change, in the order of KeyPatch. */
export const PATCHABLE = ["name", "models", "rpm", "tpm", "budget_usd", "budget_period", "expires_at", "metadata", "log_prompts"] as const;

export function assertStorableName(name: unknown): void {
  if (typeof name === "string" && name.includes("\u0000")) {
    throw new GatewayError("bad_request", "name: must not contain NUL characters", { code: "invalid_key_request", param: "name" });
  }
}

/** The `json` type keeps the text verbatim, `\u0000` escapes included. */
export function toRow(key: VirtualKey): KeyRow<boolean> {
  return keyToRow(key, (on) => on);
}

/** pg parses `json` columns itself; BIGINT arrives as a string. */
export function fromRow(row: Record<string, unknown>): VirtualKey {
  return {
    id: String(row.id),
    name: String(row.name),
    prefix: String(row.prefix),
    hash: String(row.hash),
    models: json(row.models, []) as string[],
    rpm: pgNumberOrNull(row.rpm),
    tpm: pgNumberOrNull(row.tpm),
    budget_usd: pgNumberOrNull(row.budget_usd),
    budget_period: (row.budget_period ?? null) as BudgetPeriod | null,
    expires_at: pgNumberOrNull(row.expires_at),
    metadata: json(row.metadata, {}) as KeyMetadata,
    log_prompts: row.log_prompts === true,
    created_at: pgNumber(row.created_at),
    updated_at: pgNumber(row.updated_at),
    revoked_at: pgNumberOrNull(row.revoked_at),
  };
}

function json(value: unknown, fallback: unknown): unknown {
  if (typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch {
      return fallback;
    }
  }
  return value ?? fallback;
}

export function sameKey(a: VirtualKey, b: VirtualKey): boolean {
  return JSON.stringify(toRow(a)) === JSON.stringify(toRow(b));
}
