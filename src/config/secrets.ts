/**
 * Secret references: `env:NAME`, `file:/path`. A literal value is accepted but
 * flagged so the caller can warn that a secret sits in the config file.
 */
import { readFileSync } from "node:fs";

export type SecretResult =
  | { ok: true; value: string; literal: boolean }
  | { ok: false; reason: string };

export function resolveSecret(reference: string, env: NodeJS.ProcessEnv = process.env): SecretResult {
  if (reference.startsWith("env:")) {
    const name = reference.slice(4);
    const value = env[name];
    return value ? { ok: true, value, literal: false } : { ok: false, reason: `environment variable ${name} is not set` };
  }
  if (reference.startsWith("file:")) {
    const path = reference.slice(5);
    try {
      const value = readFileSync(path, "utf8").trim();
      return value ? { ok: true, value, literal: false } : { ok: false, reason: `secret file ${path} is empty` };
    } catch (error) {
      return { ok: false, reason: `secret file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})` };
    }
  }
  if (reference.startsWith("vault:")) {
    // Vault is remote: SecretSource fetches these ahead of time.
    return { ok: false, reason: "vault: references are resolved by SecretSource" };
  }
  return { ok: true, value: reference, literal: true };
}
