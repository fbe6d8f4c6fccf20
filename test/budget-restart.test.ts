/**
 * A budget outlives the process: with `memory://` state (the default) the state
 * store starts empty on every restart, but the key's spend this period is in the
 * ledger, and the gateway must count it before admitting the key again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SwitchyardConfigInput } from "../src/config/schema.js";
import type { FakeUpstream } from "./helpers/fake-upstream.js";
import { call, chatBody, createKey, startHarness, type Harness } from "./helpers/governance-harness.js";

const MASTER = "sy-master-canary-budget-restart-0001";
const MASTER_ENV = "SY_TEST_BUDGET_RESTART_MASTER";
process.env[MASTER_ENV] = MASTER;

/** USD per 1M tokens: each request below costs $0.025 ("hi" → 5 prompt + 20 output tokens at the fake). */
const PRICE = 1000;
const MAX_TOKENS = 20;
const BUDGET = 0.1;

const dir = mkdtempSync(join(tmpdir(), "sy-budget-restart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFor(upstream: FakeUpstream, storageUrl: string): SwitchyardConfigInput {
  return {
    server: { master_key: `env:${MASTER_ENV}` },
    storage: { url: storageUrl },
    state: { url: "memory://" },
    providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: "prov-canary-budget-restart", models: ["priced"] } },
    pricing: { "fake/priced": { input: PRICE, output: PRICE } },
  };
}

async function burst(h: Harness, secret: string, count: number) {
  const results = await Promise.all(
    Array.from({ length: count }, () => call(h, "POST", "/v1/chat/completions", { key: secret, body: chatBody("fake/priced", { max_tokens: MAX_TOKENS }) })),
  );
  return results.filter((r) => r.status === 200).reduce((sum, r) => sum + r.json.usage.cost, 0);
}

async function ledgerSpend(h: Harness, keyId: string): Promise<number> {
  const spend = await call(h, "GET", "/admin/spend?group_by=key");
  return spend.json.data.find((row: { group: string | null }) => row.group === keyId)?.cost_usd ?? 0;
}

describe.each(["daily", "monthly", "total"])("a %s budget across a restart (memory state, SQLite ledger)", (period) => {
  it("counts the spend before the restart: the key cannot spend its budget twice", async () => {
    const storageUrl = `sqlite://${join(dir, `${period}.db`)}`;
    const first = await startHarness({ config: (upstream) => configFor(upstream, storageUrl), master: MASTER });
    let key;
    let spentBefore: number;
    try {
      key = await createKey(first, { name: "restarted", budget_usd: BUDGET, budget_period: period });
      spentBefore = await burst(first, key.secret, 10);
      expect(spentBefore).toBeGreaterThan(BUDGET / 2);
    } finally {
      await first.close();
    }

    const second = await startHarness({ config: (upstream) => configFor(upstream, storageUrl), master: MASTER });
    try {
      const spentAfter = await burst(second, key.secret, 10);
      expect(spentBefore + spentAfter).toBeLessThanOrEqual(BUDGET + 1e-12);
      expect(await ledgerSpend(second, key.id)).toBeLessThanOrEqual(BUDGET + 1e-12);
      // Spent in full: refused with the period's renewal as Retry-After (none for a total budget).
      const refused = await call(second, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: MAX_TOKENS }) });
      expect(refused.status).toBe(429);
      expect(refused.json.error.code).toBe("budget_exceeded");
    } finally {
      await second.close();
    }
  });
});

describe("a key made after the restart", () => {
  it("is admitted at once, with its whole budget", async () => {
    const storageUrl = `sqlite://${join(dir, "fresh.db")}`;
    const h = await startHarness({ config: (upstream) => configFor(upstream, storageUrl), master: MASTER });
    try {
      const key = await createKey(h, { name: "fresh", budget_usd: BUDGET, budget_period: "monthly" });
      const spent = await burst(h, key.secret, 10);
      // Three fit: a fourth request's worst case ($0.028) exceeds the $0.025 left.
      expect(spent).toBeCloseTo(3 * 0.025, 9);
    } finally {
      await h.close();
    }
  });
});
