import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinCatalogFile, builtinCatalogPath, parseCatalogFile } from "./catalog-file.js";
import { PriceCatalog } from "./price-catalog.js";

const fileVersion = (JSON.parse(readFileSync(builtinCatalogPath(), "utf8")) as { version: string }).version;

describe("catalog file", () => {
  it("resolves data/prices.json at the package root and validates it", () => {
    expect(builtinCatalogPath()).toMatch(/[/\\]data[/\\]prices\.json$/);
    expect(builtinCatalogFile().models.length).toBeGreaterThan(50);
    expect(builtinCatalogFile()).toBe(builtinCatalogFile()); // read once
  });

  it("rejects a malformed file with the field path", () => {
    expect(() => parseCatalogFile({ version: "x", as_of: "x", currency: "USD", unit: "per_million_tokens", models: [{ provider: "a", model: "b", input: -1 }] }))
      .toThrow(/models\.0\.input/);
  });
});

describe("PriceCatalog.lookup", () => {
  const catalog = PriceCatalog.fromConfig();

  it("finds built-in entries by model id and alias", () => {
    const quote = catalog.lookup("openai", "openai", "gpt-4o-2024-08-06");
    expect(quote).toEqual({ priced: true, origin: "catalog", estimate: false, price: { input: 2.5, cached_input: 1.25, output: 10 }, source: `catalog ${fileVersion}: openai/gpt-4o` });
    const sonnet = catalog.lookup("anthropic", "anthropic", "claude-sonnet-4-5");
    expect(sonnet.priced && sonnet.price).toEqual({
      input: 3, cached_input: 0.3, cache_write: 3.75, cache_write_1h: 6, output: 15, web_search_per_1k: 10,
      tiers: [{ above_input_tokens: 200_000, input: 6, cached_input: 0.6, cache_write: 7.5, cache_write_1h: 12, output: 22.5 }],
    });
  });

  it("matches ids case-insensitively as a fallback", () => {
    const exact = catalog.lookup("together", "together", "meta-llama/Llama-3.3-70B-Instruct-Turbo");
    const lower = catalog.lookup("together", "together", "meta-llama/llama-3.3-70b-instruct-turbo");
    expect(exact.priced).toBe(true);
    expect(lower).toEqual(exact);
  });

  it("unknown model → unpriced with a hint, never $0", () => {
    const quote = catalog.lookup("openai", "openai", "gpt-nonexistent");
    expect(quote.priced).toBe(false);
    if (!quote.priced) expect(quote.reason).toContain('"openai/gpt-nonexistent"');
    expect(catalog.lookup("mystery", "some-new-type", "m").priced).toBe(false);
  });

  it("ollama and openai-compatible are explicitly free", () => {
    for (const type of ["ollama", "openai-compatible"]) {
      expect(catalog.lookup("local", type, "llama3.2")).toEqual({
        priced: true, price: { input: 0, output: 0 }, origin: "local", estimate: false,
        source: "local model: free by default; override in pricing:",
      });
    }
  });

  it("OpenRouter ids are priced at the upstream vendor's list price, as an estimate", () => {
    const quote = catalog.lookup("or", "openrouter", "anthropic/claude-sonnet-4.5");
    expect(quote).toMatchObject({ priced: true, origin: "upstream-estimate", estimate: true, price: { input: 3, output: 15 } });
    if (quote.priced) expect(quote.source).toContain("estimate: OpenRouter bills the upstream price plus its fee");
    expect(catalog.lookup("or", "openrouter", "google/gemini-2.5-pro:nitro")).toMatchObject({ priced: true, price: { input: 1.25 } });
    expect(catalog.lookup("or", "openrouter", "meta-llama/llama-3.3-70b-instruct:free")).toMatchObject({ priced: true, price: { input: 0, output: 0 }, estimate: false });
    expect(catalog.lookup("or", "openrouter", "meta-llama/llama-3.3-70b-instruct").priced).toBe(false);
    expect(catalog.lookup("or", "openrouter", "gpt-4o").priced).toBe(false);
  });

  it("Azure deployments named after an OpenAI model are an estimate at OpenAI's price", () => {
    expect(catalog.lookup("azure-eu", "azure", "gpt-4o")).toMatchObject({ priced: true, estimate: true, price: { input: 2.5 } });
    expect(catalog.lookup("azure-eu", "azure", "my-deployment").priced).toBe(false);
  });
});

describe("pricing: overrides", () => {
  const catalog = PriceCatalog.fromConfig({
    "my-openai/gpt-4o": { input: 1, output: 2 },
    "openai/gpt-4o": { input: 3, output: 4, cached_input: 0.5 },
    "local/llama3.2": { input: 0.1, output: 0.2 },
  });

  it("provider name beats provider type beats the built-in catalog", () => {
    expect(catalog.lookup("my-openai", "openai", "gpt-4o")).toMatchObject({ origin: "config", price: { input: 1, output: 2 }, source: "pricing: my-openai/gpt-4o" });
    expect(catalog.lookup("other-openai", "openai", "gpt-4o")).toMatchObject({ origin: "config", price: { input: 3, output: 4 }, source: "pricing: openai/gpt-4o" });
    expect(PriceCatalog.fromConfig().lookup("other-openai", "openai", "gpt-4o")).toMatchObject({ origin: "catalog", price: { input: 2.5 } });
    expect(catalog.lookup("other-openai", "openai", "gpt-4o-mini")).toMatchObject({ origin: "catalog" });
  });

  it("an override gives a local model a price", () => {
    expect(catalog.lookup("local", "ollama", "llama3.2")).toMatchObject({ origin: "config", price: { input: 0.1 } });
  });

  it("versions: file version alone, or with a hash of the overrides", () => {
    expect(PriceCatalog.fromConfig().version).toBe(fileVersion);
    expect(catalog.version).toMatch(new RegExp(`^${fileVersion.replace(/\./g, "\\.")}\\+config\\.[0-9a-f]{8}$`));
    const same = PriceCatalog.fromConfig({ "local/llama3.2": { input: 0.1, output: 0.2 }, "openai/gpt-4o": { input: 3, output: 4, cached_input: 0.5 }, "my-openai/gpt-4o": { input: 1, output: 2 } });
    expect(same.version).toBe(catalog.version);
    expect(PriceCatalog.fromConfig({ "openai/gpt-4o": { input: 3.01, output: 4 } }).version).not.toBe(catalog.version);
  });

  it("entries() lists built-ins then overrides", () => {
    const entries = catalog.entries();
    expect(entries.filter((e) => e.origin === "config").map((e) => `${e.provider}/${e.model}`)).toEqual(["my-openai/gpt-4o", "openai/gpt-4o", "local/llama3.2"]);
    expect(entries.find((e) => e.model === "claude-sonnet-4-5")).toMatchObject({ provider: "anthropic", context_window: 200_000, status: "legacy" });
  });
});

describe("model metadata", () => {
  const catalog = PriceCatalog.fromConfig();
  it("context window and max output by model id, alias or OpenRouter id", () => {
    expect(catalog.contextWindow("claude-sonnet-4-5")).toBe(200_000);
    expect(catalog.maxOutputTokens("claude-sonnet-4-5-20250929")).toBe(64_000);
    expect(catalog.maxOutputTokens("claude-sonnet-4-5", "anthropic")).toBe(64_000);
    expect(catalog.contextWindow("anthropic/claude-sonnet-4.5")).toBe(200_000);
    expect(catalog.contextWindow("gpt-4o", "azure")).toBe(128_000);
    expect(catalog.contextWindow("no-such-model")).toBeUndefined();
    expect(catalog.maxOutputTokens("gpt-4o")).toBeUndefined(); // not sourced in the catalog
  });
});
