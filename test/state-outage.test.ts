/**
 * The gateway while its Redis state store is away (a TCP proxy in front of
 * Redis, cut and restored): requests of keys with limits or budgets fail closed
 * with a 503 a client can act on, in the route's error shape, saying nothing of
 * the store's address or password; other requests carry on; and the settles of
 * requests that finished during the outage reach Redis once it is back, so its
 * budget agrees with the ledger.
 */
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwitchyardConfigInput } from "../src/config/schema.js";
import { createGateway } from "../src/gateway/gateway.js";
import { startServer } from "../src/server/http-server.js";
import { redisReachable } from "../src/state/redis-state.js";
import { startFakeUpstream } from "./helpers/fake-upstream.js";
import { call, chatBody, createKey, governanceHandler, messagesBody, type Harness } from "./helpers/governance-harness.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";

const REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const redisUp = await redisReachable(REDIS_URL);
const target = new URL(REDIS_URL);
/** A database of its own, so the gateway's default key prefix meets nobody else's keys. */
const DB = 13;
const MASTER = "sy-master-outage-5e4d3c2b1a09";
const MASTER_ENV = "SY_TEST_OUTAGE_MASTER";
const REDIS_PASSWORD = "redis-canary-pw-77f0c1";
process.env[MASTER_ENV] = MASTER;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!redisUp)("a state-store outage", () => {
  let proxy: TcpProxy;
  let harness: Harness;
  let admin: Redis;
  const keyIds: string[] = [];

  beforeAll(async () => {
    proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
    admin = new Redis(`${target.protocol}//${target.host}/${DB}`);
    const knobs = { delayMs: 0 };
    const upstream = await startFakeUpstream(governanceHandler(knobs));
    const logs: string[] = [];
    const sink = new Writable({
      write(piece: Buffer | string, _encoding, done) {
        for (const line of piece.toString().split("\n")) if (line.trim() !== "") logs.push(line);
        done();
      },
    });
    const config: SwitchyardConfigInput = {
      server: { master_key: `env:${MASTER_ENV}` },
      storage: { url: "sqlite::memory:" },
      state: { url: `redis://:${REDIS_PASSWORD}@127.0.0.1:${proxy.port}/${DB}` },
      providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: "prov-key", models: ["priced"] } },
      pricing: { "fake/priced": { input: 1000, output: 1000 } },
    };
    const gateway = await createGateway({ config, logger: pino({ level: "trace" }, sink) });
    const server = await startServer(gateway, { host: "127.0.0.1", port: 0 });
    harness = {
      upstream, gateway, server, url: server.url, knobs, logs, master: MASTER,
      async close() {
        await server.close(1000);
        await gateway.close();
        await upstream.close();
      },
    };
  });

  afterAll(async () => {
    await proxy.restore();
    await harness?.close();
    for (const id of keyIds) {
      const keys = await admin.keys(`sy:*:${id}*`);
      if (keys.length > 0) await admin.del(...keys);
    }
    await admin?.quit();
    await proxy?.close();
  });

  it("answers 503 state_store_unavailable for governed keys, keeps serving the others, and settles every finished request once Redis is back", async () => {
    const governed = await createKey(harness, { name: "governed", rpm: 1000, tpm: 1_000_000, budget_usd: 100, budget_period: "total" });
    const open = await createKey(harness, { name: "open" });
    keyIds.push(governed.id, open.id);
    const body = chatBody("fake/priced", { max_tokens: 5 });
    expect((await call(harness, "POST", "/v1/chat/completions", { key: governed.secret, body })).status).toBe(200);

    // Requests admitted before the outage finish during it: their settles cannot reach Redis.
    harness.knobs.delayMs = 400;
    const inFlight = Array.from({ length: 3 }, () => call(harness, "POST", "/v1/chat/completions", { key: governed.secret, body }));
    await sleep(150);
    await proxy.cut();
    expect((await Promise.all(inFlight)).map((result) => result.status)).toEqual([200, 200, 200]);
    harness.knobs.delayMs = 0;

    const refused = await call(harness, "POST", "/v1/chat/completions", { key: governed.secret, body });
    expect(refused.status, refused.text).toBe(503);
    expect(refused.json).toEqual({
      error: { message: "Rate-limit and budget state is unavailable; retry later", type: "api_error", code: "state_store_unavailable", param: null },
    });
    expect(refused.headers.get("retry-after")).toBe("5");
    // Refused at once, not after the client's next reconnection attempt (which backs off toward 2 s).
    const started = performance.now();
    for (let i = 0; i < 5; i++) expect((await call(harness, "POST", "/v1/chat/completions", { key: governed.secret, body })).status).toBe(503);
    expect(performance.now() - started).toBeLessThan(1_000);
    const anthropic = await call(harness, "POST", "/v1/messages", { key: governed.secret, body: messagesBody("fake/priced") });
    expect(anthropic.status, anthropic.text).toBe(503);
    expect(anthropic.json).toMatchObject({ type: "error", error: { type: "overloaded_error", message: "Rate-limit and budget state is unavailable; retry later" } });
    for (const answer of [refused, anthropic]) {
      const seen = `${answer.text} ${JSON.stringify([...answer.headers])}`;
      for (const secret of [REDIS_PASSWORD, String(proxy.port), "redis://"]) expect(seen).not.toContain(secret);
    }
    // No limits, no state: the master key and a key without limits or budget are served.
    expect((await call(harness, "POST", "/v1/chat/completions", { body })).status).toBe(200);
    expect((await call(harness, "POST", "/v1/chat/completions", { key: open.secret, body })).status).toBe(200);

    // Long enough for the first retry of the waiting settles to fail too (their warning's moment).
    await sleep(600);
    await proxy.restore();
    const budgetKey = `sy:budget:${governed.id}:total`;
    const ledgerMicros = async () => {
      const rows = await harness.gateway.reports.requests(100);
      const mine = rows.filter((row) => row.key_id === governed.id && row.status === 200);
      return mine.length === 4 ? mine.reduce((sum, row) => sum + Math.round((row.cost_usd ?? 0) * 1e6), 0) : undefined;
    };
    let state: Record<string, string> = {};
    let ledger: number | undefined;
    for (let i = 0; i < 150; i++) {
      state = await admin.hgetall(budgetKey);
      ledger = await ledgerMicros();
      if (state.reserved === "0" && ledger !== undefined && Number(state.spent) === ledger) break;
      await sleep(50);
    }
    expect(ledger).toBeGreaterThan(0);
    expect(state).toEqual({ spent: String(ledger), reserved: "0" });
    expect((await call(harness, "POST", "/v1/chat/completions", { key: governed.secret, body })).status).toBe(200);

    // One line for the outage's waiting settles, not one per request; nothing secret in the log.
    expect(harness.logs.filter((line) => line.includes("budget and token settles wait"))).toHaveLength(1);
    expect(harness.logs.join("\n")).not.toContain(REDIS_PASSWORD);
  });
});
