/**
 * A key's budget and web searches. Each search is billed per search and its
 * results come back as input in the same turn, so a native turn with a web
 * search tool reserves, beside its tokens, its fee and 10,000 input tokens per
 * search it may make (`max_uses`, else 10; OpenAI's `web_search_options`: 10): concurrent searching requests cannot
 * overrun a budget by more than one request's worst case. The charge after the
 * turn is what it cost, searches included.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { sendRecorded } from "./helpers/provider-fixtures.js";
import { call, createKey, startHarness, type Harness } from "./helpers/governance-harness.js";

const MASTER = "sy-master-search-0a1b2c3d4e5f6071";
const MASTER_ENV = "SY_TEST_SEARCH_MASTER";
process.env[MASTER_ENV] = MASTER;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    master: MASTER,
    handler: (request, res) => sendRecorded(res, "anthropic", "anthropic-web-search", request.body?.stream === true),
    config: (upstream) => ({
      server: { master_key: `env:${MASTER_ENV}` },
      storage: { url: "sqlite::memory:" },
      providers: { claude: { type: "anthropic", base_url: `${upstream.url}/v1`, api_key: "sk-ant-search-00000000" } },
      pricing: { "claude/claude-sonnet-4-5": { input: 3, output: 15, web_search_per_1k: 10 } },
    }),
  });
});
afterAll(async () => h.close());

const turn = (tools: object[]) => ({ model: "claude/claude-sonnet-4-5", max_tokens: 100, tools, messages: [{ role: "user", content: "Weather in Paris?" }] });
const search = (maxUses?: number) => ({ type: "web_search_20250305", name: "web_search", ...(maxUses === undefined ? {} : { max_uses: maxUses }) });

it("reserves each search a turn may make: fee and results as input", async () => {
  // $0.10: 100 output tokens cost $0.0015; each possible search is reserved at $0.01 + 10,000 × $3/M = $0.04.
  const key = await createKey(h, { name: "searcher", budget_usd: 0.1, budget_period: "total" });
  const post = (tools: object[]) => call(h, "POST", "/v1/messages", { key: key.secret, body: turn(tools) });

  const refused = await post([search(5)]);
  expect(refused.status).toBe(429);
  expect(refused.json.error.type).toBe("rate_limit_error");
  expect(refused.headers.get("x-should-retry")).toBe("false");
  // Without max_uses, ten searches are reserved; the same for OpenAI's web_search_options.
  expect((await post([search()])).status).toBe(429);
  const chat = { model: "claude/claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "Weather in Paris?" }] };
  expect((await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: { ...chat, web_search_options: {} } })).status).toBe(429);
  expect(h.upstream.requests).toHaveLength(0);

  const answered = await post([search(1)]);
  expect(answered.status).toBe(200);
  // The charge is what the turn cost: 6,039 input and 93 output tokens, one search.
  expect(answered.json.usage.cost).toBe(0.029512);
  const spend = await call(h, "GET", "/admin/spend?group_by=key");
  expect(spend.json.data.find((row: { group: string | null }) => row.group === key.id)?.cost_usd).toBe(0.029512);
  // What is left ($0.070488) covers another one-search turn's reservation ($0.0415 and its prompt).
  expect((await post([search(1)])).status).toBe(200);
});
