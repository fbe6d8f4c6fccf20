/**
 * One enabled provider as the hot path sees it: its adapter, pooled client,
 * timeouts and keys, built from config with secrets resolved.
 */
import type { Logger } from "pino";
import type { Redactor } from "../core/redact.js";
import type { ProviderConfig } from "../config/schema.js";
import type { SecretLookup } from "../config/secret-source.js";
import type { ProviderAdapter, ProviderSettings } from "../providers/adapter.js";
import { providerType, type ProviderType } from "../providers/registry.js";
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

function providerSettings(name: string, config: ProviderConfig, type: ProviderType, apiKeys: string[], headers: Record<string, string>): ProviderSettings {
  const parsed = new URL(config.base_url ?? type.baseUrl!);
  const basePath = parsed.pathname.replace(/\/+$/, "");
  return { name, type: config.type, origin: parsed.origin, basePath, apiKeys, apiVersion: config.api_version, headers };
}

/** Header names that carry credentials. */
const CREDENTIAL_HEADER = /auth|token|key|secret|cookie|password|signature|session/i;

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
  // A configured key that does not resolve must not leave the provider running keyless, whatever its
  // type; a provider with no api_key at all (local Ollama, say) is keyless on purpose.
  if (apiKeys.length === 0 && (type.keyRequired || references.length > 0)) {
    return `no usable api_key${skipped.length > 0 ? ` (${skipped.join("; ")})` : ""}`;
  }
  const headers: Record<string, string> = {};
  const secrets = [...apiKeys];
  for (const [header, reference] of Object.entries(config.headers ?? {})) {
    const secret = resolveSecret(reference);
    if (!secret.ok) return `header '${header}': ${secret.reason}`;
    headers[header.toLowerCase()] = secret.value;
    // A secret reference says the value is secret; a literal one is, when its name says so. Plain
    // values (an app title) are not redacted: the redactor also scrubs answers, and would mask them there.
    if (!secret.literal) secrets.push(secret.value);
    else if (CREDENTIAL_HEADER.test(header)) {
      secrets.push(secret.value);
      log.warn({ provider: name }, `provider '${name}': header '${header}' is a literal value; prefer env:NAME or file:/path`);
    }
  }
  redactor.add(...secrets);
  const settings = providerSettings(name, config, type, apiKeys, headers);
  return {
    name,
    type: config.type,
    settings,
    adapter: type.create(settings),
    client: new UpstreamClient(name, settings.origin, config.max_connections),
    timeouts: {
      totalMs: config.timeout_ms ?? DEFAULT_TIMEOUTS.totalMs,
      firstTokenMs: config.first_token_timeout_ms ?? DEFAULT_TIMEOUTS.firstTokenMs,
      streamIdleMs: config.stream_idle_timeout_ms ?? DEFAULT_TIMEOUTS.streamIdleMs,
    },
    declaredModels: config.models ?? [],
    keys: new KeyRing(name, apiKeys, log),
  };
}

