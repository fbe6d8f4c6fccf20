/**
 * Reads and validates configuration. Errors name the file, the key path and
 * what was expected, so a bad config fails fast with something to act on.
 */
import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { providerType } from "../providers/registry.js";
import { configSchema, type SwitchyardConfig, type SwitchyardConfigInput } from "./schema.js";

/** The source named for a config given as an object (embedded use) rather than read from a file. */
export const CONFIG_OBJECT = "config object";

export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`Invalid config (${source}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }

  /** The same problems, named for the file the config object was read from. */
  from(file: string): ConfigError {
    return this.source === CONFIG_OBJECT ? new ConfigError(file, this.problems) : this;
  }
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || "(root)";
}

type Issue = z.core.$ZodIssue;

/**
 * The issue that says what was expected: a record's "Invalid key" wraps the
 * key schema's own message, and a union's issue hides the branch that matched
 * the value's shape (the list branch for a list with one bad entry).
 */
function innermost(issue: Issue, prefix: PropertyKey[]): { issue: Issue; path: PropertyKey[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_key" && issue.issues.length > 0) return innermost(issue.issues[0]!, path);
  if (issue.code !== "invalid_union") return { issue, path };
  const plausible = issue.errors.filter((branch) => !(branch.length === 1 && branch[0]!.code === "invalid_type" && branch[0]!.path.length === 0));
  return plausible.length === 1 && plausible[0]!.length > 0 ? innermost(plausible[0]![0]!, path) : { issue, path };
}

function describeIssues(issues: Issue[]): string[] {
  return issues.map((outer) => {
    const { issue, path } = innermost(outer, []);
    if (issue.code === "unrecognized_keys") {
      return `${keyPath(path)}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    }
    return `${keyPath(path)}: ${issue.message}`;
  });
}

/** Cross-field checks the schema cannot express: provider types, alias targets. */
function checkReferences(config: SwitchyardConfig): string[] {
  const problems: string[] = [];
  for (const [name, provider] of Object.entries(config.providers)) {
    const type = providerType(provider.type);
    if (!type) problems.push(`providers.${name}.type: unknown provider type '${provider.type}'`);
    else if (!type.baseUrl && !provider.base_url) problems.push(`providers.${name}.base_url: required for type '${provider.type}'`);
  }
  for (const [alias, entry] of Object.entries(config.models)) {
    if (alias.includes("/")) problems.push(`models.${alias}: alias names cannot contain '/' (reserved for provider/model)`);
    entry.deployments.forEach((deployment, index) => {
      if (!Object.hasOwn(config.providers, deployment.provider)) {
        problems.push(`models.${alias}.deployments[${index}].provider: no provider named '${deployment.provider}'`);
      }
    });
    for (const key of ["fallbacks", "context_window_fallbacks"] as const) {
      for (const fallback of entry[key] ?? []) {
        if (!Object.hasOwn(config.models, fallback)) problems.push(`models.${alias}.${key}: no alias named '${fallback}'`);
      }
    }
  }
  const declared = new Set(Object.values(config.providers).flatMap((provider) => provider.models ?? []));
  config.routing.rules.forEach((rule, index) => {
    if (!isRoutable(config, rule.model, declared)) {
      problems.push(`routing.rules[${index}].model: '${rule.model}' is neither an alias nor provider/model of a configured provider`);
    }
  });
  return problems;
}

/** Whether requests for `model` resolve as the router resolves them: an alias, `provider/model`, or a model a provider declares. */
function isRoutable(config: SwitchyardConfig, model: string, declared: ReadonlySet<string>): boolean {
  if (Object.hasOwn(config.models, model) || declared.has(model)) return true;
  const slash = model.indexOf("/");
  return slash > 0 && slash < model.length - 1 && Object.hasOwn(config.providers, model.slice(0, slash));
}

/** Validates a config object (from YAML or given to createGateway). */
export function validateConfig(input: unknown, source = "config object"): SwitchyardConfig {
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues));
  const problems = checkReferences(parsed.data);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return parsed.data;
}

export function loadConfigFile(path: string): SwitchyardConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(path, [`cannot read file (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0] ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : "YAML";
      throw new ConfigError(path, [`${where}: ${error.message.split("\n")[0]}`]);
    }
    throw error;
  }
  return validateConfig(data, path);
}

/** Environment variables the no-file default looks at, by provider type. */
export const DEFAULT_PROVIDER_ENV: Record<string, string> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  gemini: "GEMINI_API_KEY",
  deepseek: "DEEPSEEK_API_KEY",
  qwen: "DASHSCOPE_API_KEY",
  mistral: "MISTRAL_API_KEY",
  groq: "GROQ_API_KEY",
  together: "TOGETHER_API_KEY",
  fireworks: "FIREWORKS_API_KEY",
  xai: "XAI_API_KEY",
  openrouter: "OPENROUTER_API_KEY",
};

/**
 * The config used when no file is given and no `switchyard.yaml` exists: every
 * provider whose key variable is set, plus Ollama on localhost.
 */
export function defaultConfigInput(env: NodeJS.ProcessEnv = process.env): SwitchyardConfigInput {
  const providers: NonNullable<SwitchyardConfigInput["providers"]> = {};
  for (const [type, variable] of Object.entries(DEFAULT_PROVIDER_ENV)) {
    if (env[variable] && providerType(type)) providers[type] = { type, api_key: `env:${variable}` };
  }
  providers.ollama = { type: "ollama", base_url: env.OLLAMA_BASE_URL ?? "http://127.0.0.1:11434/v1" };
  return {
    server: { master_key: env.SWITCHYARD_MASTER_KEY ? "env:SWITCHYARD_MASTER_KEY" : undefined },
    providers,
  };
}

/** `--config FILE` if given, else ./switchyard.yaml if present, else the environment default. */
export function loadStartupConfig(file: string | undefined, cwd = process.cwd()): { config: SwitchyardConfig; source: string } {
  if (file) return { config: loadConfigFile(file), source: file };
  const local = `${cwd}/switchyard.yaml`;
  if (existsSync(local)) return { config: loadConfigFile(local), source: local };
  return { config: validateDefaults(defaultConfigInput()), source: DEFAULTS };
}

const DEFAULTS = "defaults from environment";

/** The environment default, validated; a bad value is named by its variable, there being no file or key path to name. */
function validateDefaults(input: SwitchyardConfigInput): SwitchyardConfig {
  try {
    return validateConfig(input, DEFAULTS);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(DEFAULTS, error.problems.map((problem) => problem.replace(/^providers\.ollama\.base_url:/, "OLLAMA_BASE_URL:")));
  }
}
