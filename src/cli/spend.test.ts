/**
 * `switchyard spend` over a SQLite ledger: requests refused before routing
 * (no provider, no model) get a named group, not "/" or "".
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { LedgerRow } from "../accounting/ledger-row.js";
import { SqliteLedgerStore } from "../accounting/sqlite-store.js";
import { runSpend } from "./spend.js";
import { loadConfigFile } from "../config/load.js";
import { createGateway } from "../gateway/gateway.js";
import { createLogger } from "../gateway/logger.js";
import { storesOnly } from "./offline-gateway.js";

let configPath: string;
let output: string[];

function ledgerRow(id: string, overrides: Partial<LedgerRow>): LedgerRow {
  return {
    id, request_id: id, ts: Date.now() - 60_000, key_id: "k1", requested_model: "smart", provider: "openai", model: "gpt-4o",
    status: 200, error_kind: null, attempts: 1, route: "/v1/chat/completions", stream: false,
    input_tokens: 100, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 10, reasoning_tokens: 0,
    cost_usd: 0.001, unpriced: false, estimated: false, price_version: "v", latency_ms: 5, ttft_ms: null,
    ...overrides,
  };
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-spend-"));
  const store = new SqliteLedgerStore(join(dir, "ledger.db"));
  await store.migrate();
  await store.insert([
    ledgerRow("served", {}),
    ledgerRow("refused", { key_id: null, provider: "", model: "", status: 403, error_kind: "forbidden", attempts: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 }),
  ]);
  await store.close();
  configPath = join(dir, "switchyard.yaml");
  writeFileSync(configPath, `storage: { url: "sqlite://${join(dir, "ledger.db")}" }\n`);
});
beforeEach(() => {
  output = [];
  vi.spyOn(console, "log").mockImplementation((...parts) => void output.push(parts.join(" ")));
});
afterEach(() => vi.restoreAllMocks());

/** The table's first column, without the title, header and rule lines. */
const groups = () => output.slice(3, -1).map((line) => line.split(/\s{2,}/)[0]);

describe("switchyard spend", () => {
  it("names refused requests by model and by provider", async () => {
    await runSpend({ config: configPath, by: "model" });
    expect(groups()).toEqual(["openai/gpt-4o", "(not routed)"]);
    output = [];
    await runSpend({ config: configPath, by: "provider" });
    expect(groups()).toEqual(["openai", "(not routed)"]);
  });

  it("reads the ledger where the master key's secret is not set (it guards the HTTP API only)", async () => {
    delete process.env.SY_SPEND_NO_MASTER;
    const withKey = join(mkdtempSync(join(tmpdir(), "sy-spend-")), "switchyard.yaml");
    writeFileSync(withKey, `${readFileSync(configPath, "utf8")}server: { master_key: env:SY_SPEND_NO_MASTER }\n`);
    await runSpend({ config: withKey, by: "model" });
    expect(groups()).toEqual(["openai/gpt-4o", "(not routed)"]);
  });

  it("prices with the configured providers' types, as the admin API does, and needs neither their secrets nor the state store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sy-spend-"));
    const store = new SqliteLedgerStore(join(dir, "ledger.db"));
    await store.migrate();
    await store.insert([
      ledgerRow("big", { provider: "openai", model: "gpt-4o", input_tokens: 1_000_000, output_tokens: 0, cost_usd: 2.5 }),
      // A generic OpenAI-compatible provider's model: priced at an explicit 0, so it is compared too.
      ledgerRow("local", { provider: "local", model: "llama", input_tokens: 1_000_000, output_tokens: 0, cost_usd: 0 }),
    ]);
    await store.close();
    const file = join(dir, "switchyard.yaml");
    writeFileSync(
      file,
      `storage: { url: "sqlite://${join(dir, "ledger.db")}" }
state: { url: "redis://127.0.0.1:1/0" }
` +
        `providers:
  local: { type: openai-compatible, base_url: "http://127.0.0.1:1/v1", api_key: env:SY_SPEND_UNSET_SECRET }
`,
    );
    const gateway = await createGateway({ config: storesOnly(loadConfigFile(file)), logger: createLogger("silent") });
    const api = await gateway.reports.savings(Date.now() - 86_400_000);
    await gateway.close();
    await runSpend({ config: file, by: "model", since: "1d", savings: true });
    // Everything on gpt-4o would have cost 2 × $2.50: the local model's million tokens count.
    expect(api.tieredRouting).toMatchObject({ referenceModel: "openai/gpt-4o", allOnReferenceUsd: 5, savedUsd: 2.5 });
    expect(output.join("\n")).toContain("everything on openai/gpt-4o: $5.000000 (tiered routing saved $2.500000)");
  });

  it("names requests without a key by key", async () => {
    await runSpend({ config: configPath, by: "key" });
    expect(groups()).toEqual(["k1", "(no key)"]);
  });
});
