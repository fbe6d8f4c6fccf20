/**
 * The config file's schema (DESIGN §3.2). Types are inferred from it, so the
 * file, the embedded `createGateway({ config })` object and the code agree.
 */
import { z } from "zod";
import { promptRedactionSchema } from "../auth/prompt-redaction.js";

const SECRET_REF_EXPECTED = "expected a secret reference such as env:NAME, file:/path or vault:mount/path#field";
const secretRef = z.string({ error: SECRET_REF_EXPECTED }).min(1, SECRET_REF_EXPECTED);
/** One key or several in rotation; the union's own issue would only say "Invalid input". */
const secretRefs = z.union([secretRef, z.array(secretRef).min(1, `${SECRET_REF_EXPECTED}, or a non-empty list of them`)], {
  error: `${SECRET_REF_EXPECTED}, or a list of them`,
});

const positiveInt = z.number().int().positive();

export const serverSchema = z.strictObject({
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(4000),
  master_key: secretRef.optional(),
  /** Request bodies larger than this get 413. */
  max_body_bytes: positiveInt.default(10 * 1024 * 1024),
  /** How long an idle keep-alive client connection is kept. */
  keep_alive_timeout_ms: positiveInt.default(65_000),
  /** Time a client has to send the request headers. */
  headers_timeout_ms: positiveInt.default(60_000),
  /** Time a client has to send the request body once its headers are in (slower clients get a 408). */
  request_timeout_ms: positiveInt.default(120_000),
  /**
   * On SIGTERM/SIGINT, how long in-flight requests may take to finish before they are cancelled
   * (503 shutting_down, and so in their ledger rows). Below Kubernetes' default 30 s termination grace
   * period, leaving time to flush the ledger before a SIGKILL.
   */
  shutdown_grace_ms: positiveInt.default(25_000),
  /** Browser origins allowed to call the API (CORS); none by default. `*` allows any. */
  cors_origins: z.array(z.string().min(1)).default([]),
  /** `switchyard start`: after this long with at most a request a second, a full GC gives the heap grown under load back to the OS (the first time after at most 10 s); 0 turns it off, and the young generation's release after 10 s quiet with it (server/idle-heap-trim.ts). */
  idle_trim_ms: z.number().int().min(0).default(300_000),
  /** `switchyard start`: the old generation may grow this many percent past its live size before a full GC (see server/heap-growth.ts); 0 (the default) leaves V8's own choice. */
  heap_growth_percent: z.number().int().min(0).max(1000).default(0),
});

export const providerSchema = z.strictObject({
  type: z.string().min(1),
  api_key: secretRefs.optional(),
  /** Only http(s): the transport would otherwise fail at the first request, far from the config. */
  base_url: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
  /** Azure OpenAI `api-version` query parameter. */
  api_version: z.string().optional(),
  /** Extra headers sent upstream on every request (values may be secret references). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Models this provider offers, listed by GET /v1/models without asking the upstream. */
  models: z.array(z.string().min(1)).optional(),
  /** Upper bound on pooled connections to this provider. */
  max_connections: positiveInt.optional(),
  timeout_ms: positiveInt.optional(),
  first_token_timeout_ms: positiveInt.optional(),
  /** Longest silence allowed between two stream events. */
  stream_idle_timeout_ms: positiveInt.optional(),
});

export const deploymentSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  weight: z.number().positive().optional(),
});

export const aliasSchema = z.strictObject({
  strategy: z.enum(["ordered", "weighted", "lowest-latency", "least-busy", "lowest-cost"]).default("ordered"),
  deployments: z.array(deploymentSchema).min(1, "an alias needs at least one deployment"),
  fallbacks: z.array(z.string().min(1)).optional(),
  /** Aliases with a larger context window, used when a prompt does not fit. */
  context_window_fallbacks: z.array(z.string().min(1)).optional(),
  retries: z.number().int().min(0).max(10).optional(),
  timeout_ms: positiveInt.optional(),
  first_token_timeout_ms: positiveInt.optional(),
});

export const priceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
  /** One-hour cache writes (Anthropic's `ttl: "1h"`); default twice `input`. */
  cache_write_1h: z.number().nonnegative().optional(),
  /** USD per 1,000 web searches (Anthropic's `web_search` server tool), on top of tokens. */
  web_search_per_1k: z.number().nonnegative().optional(),
});

export const tagRuleSchema = z.strictObject({
  tags: z.array(z.string().min(1)).min(1).optional(),
  min_prompt_tokens: z.number().int().nonnegative().optional(),
  max_prompt_tokens: z.number().int().nonnegative().optional(),
  from: z.array(z.string().min(1)).optional(),
  model: z.string().min(1),
});

export const routingSchema = z.strictObject({
  /** First matching rule picks the model (alias or provider/model). */
  rules: z.array(tagRuleSchema).default([]),
  cooldown: z.strictObject({
    failures: positiveInt.default(3),
    initial_ms: positiveInt.default(30_000),
    max_ms: positiveInt.default(300_000),
  }).default({ failures: 3, initial_ms: 30_000, max_ms: 300_000 }),
  backoff: z.strictObject({
    base_ms: positiveInt.default(200),
    max_ms: positiveInt.default(5_000),
    /** A Retry-After longer than this moves on to the next deployment instead of waiting. */
    max_wait_ms: positiveInt.default(10_000),
  }).default({ base_ms: 200, max_ms: 5_000, max_wait_ms: 10_000 }),
});

/**
 * The URL schemes the stores open (accounting/open-store.ts, state/open-state.ts), checked with
 * the rest of the file so a typo names the file and fails as a config error, before anything starts.
 * Only the scheme is checked (and echoed by no message): a database URL may carry a password.
 */
const storageUrl = z
  .string()
  .regex(/^(memory:(\/\/)?|sqlite::memory:|sqlite:\/\/.+|postgres(ql)?:\/\/.*)$/is, "expected sqlite://<path>, sqlite::memory:, memory:// or postgres://…");
const stateUrl = z.string().regex(/^(memory:.*|rediss?:\/\/.*)$/is, "expected memory:// or redis://host:port/db (rediss:// for TLS)");

export const configSchema = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  storage: z.strictObject({ url: storageUrl.default("sqlite://./switchyard.db") }).default({ url: "sqlite://./switchyard.db" }),
  state: z.strictObject({ url: stateUrl.default("memory://") }).default({ url: "memory://" }),
  log: z.strictObject({
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Log prompts and completions of every request (keys can opt in one by one with `log_prompts`). */
    prompts: z.boolean().default(false),
    /** Where prompt logs go (JSON lines); default: the main log. */
    prompts_file: z.string().min(1).optional(),
    /** Applied to prompts and completions before they are written. */
    redact: promptRedactionSchema.default(promptRedactionSchema.parse({})),
  }).default({ level: "info", prompts: false, redact: promptRedactionSchema.parse({}) }),
  providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "provider names use letters, digits, '_', '-', '.'"), providerSchema).default({}),
  models: z.record(z.string().min(1), aliasSchema).default({}),
  routing: routingSchema.default(routingSchema.parse({})),
  secrets: z.strictObject({
    /** How long a value read from Vault is used before it is read again. */
    vault_ttl_ms: positiveInt.default(300_000),
  }).default({ vault_ttl_ms: 300_000 }),
  pricing: z.record(z.string().regex(/^[^/]+\/.+$/, "expected a 'provider/model' key"), priceSchema).default({}),
});

/** The config as written by a user (defaults not yet applied). */
export type SwitchyardConfigInput = z.input<typeof configSchema>;
/** The validated config with defaults applied; secrets are still references. */
export type SwitchyardConfig = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type AliasConfig = z.output<typeof aliasSchema>;
export type DeploymentConfig = z.output<typeof deploymentSchema>;
