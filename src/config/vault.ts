/**
 * `vault:<kv-v2 path>#<field>` secret references, read from HashiCorp Vault's
 * KV v2 HTTP API (`GET {VAULT_ADDR}/v1/<mount>/data/<path>`). Reads are cached
 * for a TTL so rotated secrets are picked up without a restart; when a re-read
 * fails the last good value keeps being served (a Vault outage must not take
 * providers down) and the failure is reported through `onError`.
 *
 * Messages name the address, path, field and status only: never the token or a value.
 *
 * @example
 * const vault = createVaultResolver({ onError: (e) => log.warn(e.reason) });
 * const key = await vault.resolve("vault:secret/openai#api_key"); // reads secret/data/openai
 */
import type { SecretResult } from "./secrets.js";

export interface VaultResolverOptions {
  /** Where VAULT_ADDR, VAULT_TOKEN and VAULT_NAMESPACE are read (at each request). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** How long a read value is served before Vault is asked again. Default 300 000 ms. */
  ttlMs?: number;
  /** After a failed read, how long until Vault is asked again. Default 30 000 ms (at most the TTL). */
  retryMs?: number;
  /** Per-request timeout. Default 5 000 ms. */
  timeoutMs?: number;
  /** Injectable for tests. Default `Date.now`. */
  clock?: () => number;
  /** Injectable for tests. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Called when a re-read fails and the last good value is served instead. */
  onError?: (error: VaultRefreshError) => void;
}

export interface VaultRefreshError {
  /** The KV v2 API path, e.g. `secret/data/openai`. */
  path: string;
  /** What went wrong; free of tokens and secret values. */
  reason: string;
}

export interface VaultResolver {
  resolve(reference: string): Promise<SecretResult>;
  /** Forgets every cached read (the next resolve asks Vault). */
  clear(): void;
}

export type VaultReference = { ok: true; path: string; field: string } | { ok: false; reason: string };

/**
 * Parses `vault:secret/openai#api_key` (short form: `/data/` is inserted after the
 * mount) or `vault:secret/data/openai#api_key`. The mount is the first segment.
 */
export function parseVaultReference(reference: string): VaultReference {
  const body = reference.startsWith("vault:") ? reference.slice(6) : reference;
  const hash = body.indexOf("#");
  const field = hash === -1 ? "" : body.slice(hash + 1);
  const segments = (hash === -1 ? body : body.slice(0, hash)).split("/").filter((segment) => segment !== "");
  const usage = "expected vault:<mount>/<path>#<field>, e.g. vault:secret/openai#api_key";
  if (!field) return { ok: false, reason: `vault reference '${reference}' names no field: ${usage}` };
  if (segments.length < 2) return { ok: false, reason: `vault reference '${reference}' names no secret path: ${usage}` };
  if (segments.some((segment) => segment === "." || segment === "..")) {
    return { ok: false, reason: `vault reference '${reference}' may not contain '.' or '..' segments` };
  }
  const [mount, ...rest] = segments as [string, ...string[]];
  const withData = rest[0] === "data" && rest.length > 1 ? rest : ["data", ...rest];
  return { ok: true, path: [mount, ...withData].join("/"), field };
}

interface CacheEntry {
  /** The last good `data.data` object. */
  data?: Record<string, unknown>;
  /** Why the latest read failed, when it did. */
  failure?: string;
  expiresAt: number;
  pending?: Promise<void>;
}

class VaultReadError extends Error {}

export function createVaultResolver(options: VaultResolverOptions = {}): VaultResolver {
  const env = options.env ?? process.env;
  const ttlMs = options.ttlMs ?? 300_000;
  const retryMs = Math.min(options.retryMs ?? 30_000, ttlMs);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const clock = options.clock ?? Date.now;
  const fetchImpl = options.fetch ?? fetch;
  const cache = new Map<string, CacheEntry>();

  async function read(path: string): Promise<Record<string, unknown>> {
    const address = env.VAULT_ADDR;
    const token = env.VAULT_TOKEN;
    if (!address) throw new VaultReadError("VAULT_ADDR is not set");
    if (!token) throw new VaultReadError("VAULT_TOKEN is not set");
    let base: URL;
    try {
      base = new URL(address);
    } catch {
      throw new VaultReadError("VAULT_ADDR is not a valid URL");
    }
    const where = `Vault at ${base.origin}`;
    const headers: Record<string, string> = { "X-Vault-Token": token, Accept: "application/json" };
    if (env.VAULT_NAMESPACE) headers["X-Vault-Namespace"] = env.VAULT_NAMESPACE;
    const url = `${base.origin}${base.pathname.replace(/\/+$/, "")}/v1/${path.split("/").map(encodeURIComponent).join("/")}`;

    let response: Response;
    try {
      response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      if (error instanceof Error && error.name === "TimeoutError") throw new VaultReadError(`${where} did not answer within ${timeoutMs} ms`);
      throw new VaultReadError(`${where} is not reachable (${networkCode(error)})`);
    }
    if (response.status === 403) {
      await response.body?.cancel();
      throw new VaultReadError(`${where} denied access to ${path} (403): check VAULT_TOKEN${env.VAULT_NAMESPACE ? ", VAULT_NAMESPACE" : ""} and the token's policy`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new VaultReadError(`${where} has no secret at ${path} (404)`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new VaultReadError(`${where} answered ${response.status} for ${path}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new VaultReadError(`${where} answered ${path} with a body that is not JSON`);
    }
    const data = (body as { data?: { data?: unknown } } | null)?.data?.data;
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw new VaultReadError(`${where} answered ${path} without a KV v2 secret (is the mount a KV version 2 engine?)`);
    }
    return data as Record<string, unknown>;
  }

  async function refresh(path: string, entry: CacheEntry): Promise<void> {
    try {
      entry.data = await read(path);
      entry.failure = undefined;
      entry.expiresAt = clock() + ttlMs;
    } catch (error) {
      const reason = error instanceof VaultReadError ? error.message : `reading ${path} from Vault failed`;
      entry.failure = reason;
      entry.expiresAt = clock() + retryMs;
      if (entry.data) options.onError?.({ path, reason });
    }
  }

  return {
    async resolve(reference: string): Promise<SecretResult> {
      const parsed = parseVaultReference(reference);
      if (!parsed.ok) return parsed;
      const { path, field } = parsed;
      let entry = cache.get(path);
      if (!entry) cache.set(path, (entry = { expiresAt: 0 }));
      if (clock() >= entry.expiresAt) {
        // Concurrent resolves of one path share a single request.
        entry.pending ??= refresh(path, entry).finally(() => {
          entry.pending = undefined;
        });
        await entry.pending;
      }
      if (!entry.data) return { ok: false, reason: entry.failure ?? `Vault secret ${path} is not available` };
      const value = entry.data[field];
      if (value === undefined) return { ok: false, reason: `Vault secret ${path} has no field '${field}'` };
      if (typeof value !== "string") return { ok: false, reason: `Vault secret ${path} field '${field}' is not a string` };
      if (!value) return { ok: false, reason: `Vault secret ${path} field '${field}' is empty` };
      return { ok: true, value, literal: false };
    },
    clear(): void {
      cache.clear();
    },
  };
}

/** The errno-style code of a failed fetch (undici puts it on `cause`), without any message text. */
function networkCode(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === "string" ? cause.code : "network error";
}
