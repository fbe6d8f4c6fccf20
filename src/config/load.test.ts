import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PriceCatalog } from "../accounting/price-catalog.js";
import { ConfigError, defaultConfigInput, loadConfigFile, loadStartupConfig, validateConfig } from "./load.js";
import { resolveSecret } from "./secrets.js";

function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "sy-config-")), "switchyard.yaml");
  writeFileSync(file, text);
  return file;
}

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("config loading", () => {
  it("loads the documented example", () => {
    const file = writeConfig(`
server:   { host: 127.0.0.1, port: 4000, master_key: env:SWITCHYARD_MASTER_KEY }
storage:  { url: sqlite://./switchyard.db }
state:    { url: memory:// }
providers:
  openai:    { type: openai,    api_key: env:OPENAI_API_KEY }
  deepseek:  { type: deepseek,  api_key: [env:DEEPSEEK_KEY_1, env:DEEPSEEK_KEY_2] }
  local:     { type: ollama,    base_url: http://127.0.0.1:11434/v1 }
models:
  smart:
    strategy: ordered
    deployments:
      - { provider: openai, model: gpt-4o, weight: 1 }
    fallbacks: [cheap]
    retries: 2
    timeout_ms: 60000
  cheap:
    deployments: [{ provider: deepseek, model: deepseek-chat }]
pricing:
  deepseek/deepseek-chat: { input: 0.27, output: 1.10, cached_input: 0.07 }
`);
    const config = loadConfigFile(file);
    expect(config.server.port).toBe(4000);
    expect(config.server.max_body_bytes).toBe(10 * 1024 * 1024);
    expect(config.models.smart!.deployments[0]!.model).toBe("gpt-4o");
    expect(config.pricing["deepseek/deepseek-chat"]!.cached_input).toBe(0.07);
  });

  it("names the file, the key path and the expectation", () => {
    const file = writeConfig(`
server: { port: "eighty" }
providers:
  openai: { type: openai, api_key: env:X, colour: blue }
models:
  smart: { deployments: [] }
`);
    const error = (() => {
      try {
        loadConfigFile(file);
      } catch (e) {
        return e as ConfigError;
      }
    })()!;
    expect(error.message).toContain(file);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server\.port: .*expected number/),
        "providers.openai: unknown key 'colour'",
        expect.stringMatching(/^models\.smart\.deployments: an alias needs at least one deployment/),
      ]),
    );
  });

  it("reports YAML syntax errors with a line", () => {
    const file = writeConfig("providers:\n  openai: { type: openai\n");
    expect(problemsOf(() => loadConfigFile(file))[0]).toMatch(/^line \d+/);
  });

  it("checks references between sections", () => {
    const problems = problemsOf(() =>
      validateConfig({
        providers: { x: { type: "martian" }, y: { type: "openai-compatible" } },
        models: { a: { deployments: [{ provider: "nobody", model: "m" }], fallbacks: ["ghost"] }, "b/c": { deployments: [{ provider: "x", model: "m" }] } },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        "providers.x.type: unknown provider type 'martian'",
        "providers.y.base_url: required for type 'openai-compatible'",
        "models.a.deployments[0].provider: no provider named 'nobody'",
        "models.a.fallbacks: no alias named 'ghost'",
        "models.b/c: alias names cannot contain '/' (reserved for provider/model)",
      ]),
    );
  });

  it("rejects a base_url that is not http(s), at its key path", () => {
    const problems = problemsOf(() => validateConfig({ providers: { b: { type: "openai", base_url: "ftp://files.example/v1" } } }));
    expect(problems).toEqual([expect.stringMatching(/^providers\.b\.base_url: expected an http\(s\) URL/)]);
    expect(() => validateConfig({ providers: { b: { type: "openai", base_url: "https://api.example/v1" } } })).not.toThrow();
  });

  it("checks the storage and state URL schemes with the file, never echoing the URL", () => {
    const file = writeConfig('storage: { url: "mysql://admin:hunter2@db/x" }\nstate: { url: "localhost:6379" }\n');
    const error = (() => {
      try {
        loadConfigFile(file);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain(file);
    expect(error!.problems).toEqual([
      "storage.url: expected sqlite://<path>, sqlite::memory:, memory:// or postgres://…",
      "state.url: expected memory:// or redis://host:port/db (rediss:// for TLS)",
    ]);
    expect(error!.message).not.toContain("hunter2");
    expect(problemsOf(() => validateConfig({ storage: { url: "sqlite://" } }))).toEqual([expect.stringMatching(/^storage\.url: expected sqlite:/)]);
    for (const url of ["memory://", "sqlite::memory:", "sqlite://./switchyard.db", "sqlite:///srv/sy.db", "postgres://u:p@db/sy", "postgresql://db/sy"]) {
      expect(validateConfig({ storage: { url } }).storage.url).toBe(url);
    }
    for (const url of ["memory://", "redis://127.0.0.1:6379/0", "rediss://:pw@cache:6380"]) expect(validateConfig({ state: { url } }).state.url).toBe(url);
  });

  it("says what an api_key must be", () => {
    expect(problemsOf(() => validateConfig({ providers: { b: { type: "openai", api_key: 123 } } }))).toEqual([
      expect.stringMatching(/^providers\.b\.api_key: expected a secret reference .* or a list of them/),
    ]);
    expect(problemsOf(() => validateConfig({ providers: { b: { type: "openai", api_key: ["env:A", 7] } } }))).toEqual([
      expect.stringMatching(/^providers\.b\.api_key\[1\]: expected a secret reference/),
    ]);
  });

  it("keeps the pricing key's expectation", () => {
    expect(problemsOf(() => validateConfig({ pricing: { "gpt-4o": { input: 1, output: 2 } } }))).toEqual([
      "pricing.gpt-4o: expected a 'provider/model' key",
    ]);
    expect(problemsOf(() => validateConfig({ providers: { "a b": { type: "openai" } } }))).toEqual([
      "providers.a b: provider names use letters, digits, '_', '-', '.'",
    ]);
  });

  it("lets a rule redirect a requested name nothing else routes (clients keep asking for it)", () => {
    const config = validateConfig({
      providers: { up: { type: "openai-compatible", base_url: "http://127.0.0.1:9/v1" } },
      models: { smart: { deployments: [{ provider: "up", model: "gpt-4o-mini" }] } },
      routing: { rules: [{ from: ["gpt-4"], model: "smart" }] },
    });
    expect(config.routing.rules[0]).toMatchObject({ from: ["gpt-4"], model: "smart" });
  });

  it("checks a rule's target as requests are routed: a bare provider name is no model; a declared model is", () => {
    const providers = { up: { type: "openai-compatible", base_url: "http://127.0.0.1:9/v1", models: ["org/served-model"] } };
    const rule = (model: string) => () => validateConfig({ providers, routing: { rules: [{ tags: ["t"], model }] } });
    for (const model of ["up", "up/", "constructor/x"]) {
      expect(problemsOf(rule(model))).toEqual([`routing.rules[0].model: '${model}' is neither an alias nor provider/model of a configured provider`]);
    }
    expect(() => rule("up/any-model")()).not.toThrow();
    expect(() => rule("org/served-model")()).not.toThrow();
  });

  it("enables providers whose key variables are set, plus local Ollama", () => {
    const input = defaultConfigInput({ OPENAI_API_KEY: "sk-1", MISTRAL_API_KEY: "m-1" });
    expect(Object.keys(input.providers!)).toEqual(expect.arrayContaining(["openai", "mistral", "ollama"]));
    expect(input.providers!.openai).toEqual({ type: "openai", api_key: "env:OPENAI_API_KEY" });
    expect(input.providers!.deepseek).toBeUndefined();
    expect(() => validateConfig(input)).not.toThrow();
  });

  it("names OLLAMA_BASE_URL, not a config key the user never wrote, when its value is no URL", () => {
    const emptyDir = mkdtempSync(join(tmpdir(), "sy-config-"));
    process.env.OLLAMA_BASE_URL = "localhost:11434";
    try {
      expect(problemsOf(() => loadStartupConfig(undefined, emptyDir))).toEqual(["OLLAMA_BASE_URL: expected an http(s) URL"]);
    } finally {
      delete process.env.OLLAMA_BASE_URL;
    }
  });
});

describe("secret references", () => {
  it("reads env: and file: and flags literals", () => {
    const dir = mkdtempSync(join(tmpdir(), "sy-secret-"));
    writeFileSync(join(dir, "key"), "from-file\n");
    expect(resolveSecret("env:K", { K: "v" })).toEqual({ ok: true, value: "v", literal: false });
    expect(resolveSecret(`file:${join(dir, "key")}`)).toEqual({ ok: true, value: "from-file", literal: false });
    expect(resolveSecret("plain-text")).toEqual({ ok: true, value: "plain-text", literal: true });
    expect(resolveSecret("env:MISSING", {})).toEqual({ ok: false, reason: "environment variable MISSING is not set" });
    expect(resolveSecret(`file:${join(dir, "nope")}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/ENOENT/) });
  });
});

describe("pricing: web_search_per_1k", () => {
  it("is accepted on an override and reaches the quote", () => {
    const config = validateConfig({ pricing: { "anthropic/claude-sonnet-5-5": { input: 2, output: 10, web_search_per_1k: 10 } } });
    expect(config.pricing["anthropic/claude-sonnet-5-5"]).toEqual({ input: 2, output: 10, web_search_per_1k: 10 });
    const quote = PriceCatalog.fromConfig(config.pricing).lookup("anthropic", "anthropic", "claude-sonnet-5-5");
    expect(quote).toMatchObject({ priced: true, origin: "config", price: { web_search_per_1k: 10 } });
    expect(validateConfig({ pricing: { "anthropic/x": { input: 2, output: 10, web_search_per_1k: 0 } } }).pricing["anthropic/x"]!.web_search_per_1k).toBe(0);
  });

  it("refuses a negative fee or one that is not a number", () => {
    for (const fee of [-1, -0.01, "10", null]) {
      const problems = problemsOf(() => validateConfig({ pricing: { "anthropic/claude-sonnet-5-5": { input: 2, output: 10, web_search_per_1k: fee } } }));
      expect(problems.join("\n"), String(fee)).toContain("pricing.anthropic/claude-sonnet-5-5.web_search_per_1k");
    }
  });

  it("changes the price version only when set, so existing configs keep theirs", () => {
    const base = { "anthropic/claude-sonnet-5-5": { input: 2, output: 10 } };
    const withFee = { "anthropic/claude-sonnet-5-5": { input: 2, output: 10, web_search_per_1k: 10 } };
    const otherFee = { "anthropic/claude-sonnet-5-5": { input: 2, output: 10, web_search_per_1k: 12 } };
    const versions = [base, withFee, otherFee].map((pricing) => PriceCatalog.fromConfig(pricing).version);
    expect(new Set(versions).size).toBe(3);
    expect(PriceCatalog.fromConfig({ "anthropic/claude-sonnet-5-5": { input: 2, output: 10 } }).version).toBe(versions[0]);
  });
});
