/**
 * A budget outlives a loss of the Redis state while the gateway keeps running: Redis restarted
 * without persistence (the default: it keeps nothing on disk) or flushed. The key's spend is in
 * the ledger, and the running gateway must count it again before admitting the key once more,
 * for a key made before this gateway started as for one made since.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwitchyardConfigInput } from "../src/config/schema.js";
import { redisReachable } from "../src/state/redis-state.js";
import type { FakeUpstream } from "./helpers/fake-upstream.js";
import { call, chatBody, createKey, startHarness, type CreatedKey, type Harness } from "./helpers/governance-harness.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";

const REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const redisUp = await redisReachable(REDIS_URL);
if (!redisUp) console.warn(`Redis not reachable at ${new URL(REDIS_URL).host}: skipping the Redis data loss tests`);
const target = new URL(REDIS_URL);
/** A database of its own, flushed by these tests (no other test uses it: state-outage uses 13, the rest 0 with their own prefixes). */
const DB = 12;

const MASTER = "sy-master-canary-redis-loss-0001";
const MASTER_ENV = "SY_TEST_REDIS_LOSS_MASTER";
process.env[MASTER_ENV] = MASTER;

/** USD per 1M tokens: each request costs $0.025 ("hi" → 5 prompt + 20 output tokens at the fake), its worst case ≈ $0.028. */
const PRICE = 1000;
const MAX_TOKENS = 20;
const BUDGET = 0.1;

const dir = mkdtempSync(join(tmpdir(), "sy-budget-redis-loss-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!redisUp)("budgets while Redis loses its data under a running gateway", () => {
  let admin: Redis;
  let proxy: TcpProxy;

  beforeAll(async () => {
    admin = new Redis(`${target.protocol}//${target.host}/${DB}`);
    await admin.flushdb();
    proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
  });

  afterAll(async () => {
    await admin?.flushdb();
    await admin?.quit();
    await proxy?.close();
  });

  const configFor = (storageUrl: string) => (upstream: FakeUpstream): SwitchyardConfigInput => ({
    server: { master_key: `env:${MASTER_ENV}` },
    storage: { url: storageUrl },
    state: { url: `redis://127.0.0.1:${proxy.port}/${DB}` },
    providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: "prov-canary-redis-loss", models: ["priced"] } },
    pricing: { "fake/priced": { input: PRICE, output: PRICE } },
  });

  /** Requests one at a time until one is refused (or `max` were sent): the statuses and the spend of the admitted ones. */
  async function spendUntilRefused(h: Harness, key: CreatedKey, max: number) {
    const statuses: number[] = [];
    let spent = 0;
    for (let i = 0; i < max; i++) {
      const result = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: MAX_TOKENS }) });
      statuses.push(result.status);
      if (result.status !== 200) {
        expect(result.json.error.code, result.text).toBe("budget_exceeded");
        break;
      }
      spent += result.json.usage.cost;
    }
    return { statuses, spent };
  }

  async function ledgerSpend(h: Harness, keyId: string): Promise<number> {
    const spend = await call(h, "GET", "/admin/spend?group_by=key");
    return spend.json.data.find((row: { group: string | null }) => row.group === keyId)?.cost_usd ?? 0;
  }

  /** Two keys: one made before this gateway started (seeded from the ledger), one made since. */
  async function gatewayWithKeys(name: string): Promise<{ h: Harness; keys: CreatedKey[] }> {
    const storageUrl = `sqlite://${join(dir, `${name}.db`)}`;
    const earlier = await startHarness({ config: configFor(storageUrl), master: MASTER });
    let old: CreatedKey;
    try {
      old = await createKey(earlier, { name: "made-before", budget_usd: BUDGET, budget_period: "daily" });
    } finally {
      await earlier.close();
    }
    const h = await startHarness({ config: configFor(storageUrl), master: MASTER });
    const fresh = await createKey(h, { name: "made-since", budget_usd: BUDGET, budget_period: "total" });
    return { h, keys: [old, fresh] };
  }

  async function expectBudgetsHold(h: Harness, keys: CreatedKey[]) {
    for (const key of keys) {
      const after = await spendUntilRefused(h, key, 10);
      expect(after.statuses.at(-1)).toBe(429);
      expect(await ledgerSpend(h, key.id)).toBeLessThanOrEqual(BUDGET + 1e-12);
    }
  }

  it("refuses a key at its budget after FLUSHDB, as before it", async () => {
    const { h, keys } = await gatewayWithKeys("flushed");
    try {
      for (const key of keys) {
        const before = await spendUntilRefused(h, key, 2);
        expect(before.statuses).toEqual([200, 200]);
      }
      await admin.flushdb();
      await expectBudgetsHold(h, keys);
    } finally {
      await h.close();
    }
  });

  it("refuses a key at its budget after Redis came back empty (a restart without persistence)", async () => {
    const { h, keys } = await gatewayWithKeys("restarted");
    try {
      for (const key of keys) expect((await spendUntilRefused(h, key, 2)).statuses).toEqual([200, 200]);
      // The gateway loses its connections, Redis comes back with nothing, the gateway reconnects.
      await proxy.cut();
      await admin.flushdb();
      await proxy.restore();
      // A key with a request limit only reaches Redis without spending: 503 until the gateway has reconnected.
      const probe = await createKey(h, { name: "probe", rpm: 10_000 });
      let status = 503;
      for (let i = 0; i < 200 && status === 503; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        status = (await call(h, "POST", "/v1/chat/completions", { key: probe.secret, body: chatBody("fake/priced", { max_tokens: 1 }) })).status;
      }
      expect(status).toBe(200);
      await expectBudgetsHold(h, keys);
    } finally {
      await h.close();
    }
  });
});
