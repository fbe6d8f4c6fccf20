/**
 * One enabled provider as the hot path sees it: its adapter, pooled client,
 * timeouts and keys, built from config with secrets resolved.
 */
import type { Logger } from "pino";
import type { Redactor } from "../core/redact.js";
import type { ProviderConfig } from "../config/schema.js";
import type { SecretLookup } from "../config/secret-source.js";
import type { ProviderAdapter, ProviderSettings } from "../providers/adapter.js";
import { providerType } from "../providers/registry.js";
import { UpstreamClient } from "../transport/upstream-client.js";
import { KeyRing } from "./key-ring.js";

export interface Timeouts {
  /** Whole non-stream request. */
  totalMs: number;
  /** Until a stream's response headers arrive. */
  firstTokenMs: number;
  /** Longest silence inside a stream. */
  streamIdleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { totalMs: 600_000, firstTokenMs: 120_000, streamIdleMs: 120_000 };

export interface ProviderRuntime {
  name: string;
  type: string;
  settings: ProviderSettings;
  adapter: ProviderAdapter;
  client: UpstreamClient;
  timeouts: Timeouts;
  /** Models declared in config for GET /v1/models. */
  declaredModels: string[];
  /** The provider's keys in rotation. */
  keys: KeyRing;
}

function splitBaseUrl(url: string): { origin: string; basePath: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, basePath: parsed.pathname.replace(/\/+$/, "") };
}

export function buildProvider(name: string, config: ProviderConfig, redactor: Redactor, log: Logger, resolveSecret: SecretLookup): ProviderRuntime | string {
  const type = providerType(config.type);
  if (!type) return `unknown provider type '${config.type}'`;
  const references = config.api_key === undefined ? [] : Array.isArray(config.api_key) ? config.api_key : [config.api_key];
  const apiKeys: string[] = [];
  const skipped: string[] = [];
  for (const [index, reference] of references.entries()) {
    const secret = resolveSecret(reference);
    if (!secret.ok) {
      skipped.push(secret.reason);
      log.warn({ provider: name }, `provider '${name}': api_key${references.length > 1 ? `[${index}]` : ""} skipped: ${secret.reason}`);
      continue;
    }
    if (secret.literal) log.warn({ provider: name }, `provider '${name}': api_key is a literal value; prefer env:NAME or file:/path`);
    apiKeys.push(secret.value);
  }
  if (type.keyRequired && apiKeys.length === 0) return `no usable api_key${skipped.length > 0 ? ` (${skipped.join("; ")})` : ""}`;
  const headers: Record<string, string> = {};
  for (const [header, reference] of Object.entries(config.headers ?? {})) {
    const secret = resolveSecret(reference);
    if (!secret.ok) return `header '${header}': ${secret.reason}`;
    headers[header.toLowerCase()] = secret.value;
    if (!secret.literal) redactor.add(secret.value);
  }
  redactor.add(...apiKeys);
  const { origin, basePath } = splitBaseUrl(config.base_url ?? type.baseUrl!);
  const settings: ProviderSettings = { name, type: config.type, origin, basePath, apiKeys, apiVersion: config.api_version, headers };
  return {
    name,
    type: config.type,
    settings,
    adapter: type.create(settings),
    client: new UpstreamClient(name, origin, config.max_connections),
    timeouts: {
      totalMs: config.timeout_ms ?? DEFAULT_TIMEOUTS.totalMs,
      firstTokenMs: config.first_token_timeout_ms ?? DEFAULT_TIMEOUTS.firstTokenMs,
      streamIdleMs: config.stream_idle_timeout_ms ?? DEFAULT_TIMEOUTS.streamIdleMs,
    },
    declaredModels: config.models ?? [],
    keys: new KeyRing(name, apiKeys, log),
  };
}

