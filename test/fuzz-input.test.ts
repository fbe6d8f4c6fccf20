/**
 * Hostile and malformed client input over HTTP, generated: whatever a client
 * sends to any route, in front of OpenAI-, Anthropic- and Gemini-format
 * upstreams, the answer is a success or a client error in the route's own
 * error shape. Never a 5xx (every upstream here is healthy), never a stack
 * trace or a credential, never a dead process, and every request the gateway
 * answered 200 has its ledger row.
 *
 * `npm test` runs a short pass; `npm run fuzz` a long one (FUZZ_RUNS scales it).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MEMORY_ROWS } from "../src/accounting/memory-store.js";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { startServer, type RunningServer } from "../src/server/http-server.js";
import { echoHandler, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { expectAnthropicAnswer, expectNoLeak, expectOpenAIAnswer } from "./helpers/answer-shapes.js";
import { ledgerRows } from "./helpers/ledger-rows.js";
import { sendRecorded } from "./helpers/provider-fixtures.js";
import { brokenBodies, chatRequests, embeddingsRequests, messagesRequests } from "./helpers/request-arbitraries.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const TIMEOUT_MS = Math.max(30_000, RUNS * 150);
const MASTER = "sy-master-fuzz-0f1e2d3c4b5a6978";
const SECRETS = ["sk-fuzz-oai-7d6c5b4a39281706", "sk-ant-fuzz-6a5b4c3d2e1f0a9b", "AIza-fuzz-5e4d3c2b1a0f9e8d7c"];

let upstreams: FakeUpstream[];
let gateway: Gateway;
let server: RunningServer;
/** x-request-id and time of every 200 answer, to find in the ledger. */
const served: Array<{ id: string; at: number }> = [];
/** Answers by route and status, to show the generators reach past validation. */
const statuses = new Map<string, number>();

beforeAll(async () => {
  upstreams = await Promise.all([startFakeUpstream(echoHandler), startFakeUpstream(), startFakeUpstream()]);
  const [oai, claude, google] = upstreams as [FakeUpstream, FakeUpstream, FakeUpstream];
  claude.handle((request, res) => sendRecorded(res, "anthropic", "anthropic-text", request.body?.stream === true));
  google.handle((request, res) => {
    if (request.url.includes(":batchEmbedContents")) return sendRecorded(res, "gemini", "gemini-batch-embed", false);
    if (request.url.includes(":embedContent")) return sendRecorded(res, "gemini", "gemini-embed", false);
    sendRecorded(res, "gemini", "gemini-text", request.url.includes(":streamGenerateContent"));
  });
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      server: { master_key: MASTER },
      storage: { url: "memory://" },
      providers: {
        oai: { type: "openai-compatible", base_url: oai.baseUrl, api_key: SECRETS[0] },
        claude: { type: "anthropic", base_url: `${claude.url}/v1`, api_key: SECRETS[1] },
        google: { type: "gemini", base_url: `${google.url}/v1beta`, api_key: SECRETS[2] },
      },
      models: { smart: { deployments: [{ provider: "claude", model: "claude-sonnet-4-5" }, { provider: "oai", model: "gpt-4o-mini" }] } },
    },
  });
  server = await startServer(gateway, { host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  // The long run (npm run fuzz) shows what the generators reached.
  if (process.env.FUZZ_RUNS) console.log([...statuses].sort().map(([answer, count]) => `${answer}: ${count}`).join("\n"));
  await server?.close(1000);
  await gateway?.close();
  await Promise.all((upstreams ?? []).map((upstream) => upstream.close()));
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function post(path: string, body: string, contentType = "application/json"): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": contentType, authorization: `Bearer ${MASTER}` }, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A client error or a success, in the route's own shape. */
function expectAnswer(path: string, answer: Answer): void {
  expectNoLeak(answer.text, [...SECRETS, MASTER]);
  statuses.set(`${path} ${answer.status}`, (statuses.get(`${path} ${answer.status}`) ?? 0) + 1);
  expect([200, 400, 404, 413], `${answer.status} ${answer.text.slice(0, 300)}`).toContain(answer.status);
  const requestId = answer.headers.get("x-request-id");
  expect(requestId).toBeTruthy();
  if (answer.status === 200) served.push({ id: requestId!, at: Date.now() });
  const stream = answer.headers.get("content-type")?.startsWith("text/event-stream") === true;
  if (path === "/v1/messages") return expectAnthropicAnswer(answer.status, answer.text, stream);
  if (path === "/v1/chat/completions" || answer.status !== 200) return expectOpenAIAnswer(answer.status, answer.text, stream);
  expect(JSON.parse(answer.text).data).toEqual(expect.any(Array));
}

const routes = [
  { path: "/v1/chat/completions", request: chatRequests },
  { path: "/v1/messages", request: messagesRequests },
  { path: "/v1/embeddings", request: embeddingsRequests },
] as const;

describe("generated client input", () => {
  for (const { path, request } of routes) {
    it(
      `${path}: plausible requests with wrong parts get 200 or a 4xx in the route's error shape`,
      async () => {
        const before = statuses.get(`${path} 200`) ?? 0;
        await fc.assert(fc.asyncProperty(request, async (body) => expectAnswer(path, await post(path, JSON.stringify(body)))), { numRuns: RUNS });
        // A generator whose every request fails validation would test little past it.
        expect((statuses.get(`${path} 200`) ?? 0) - before).toBeGreaterThan(RUNS / 10);
      },
      TIMEOUT_MS,
    );
    it(
      `${path}: bodies that are not a JSON object get a 4xx`,
      async () => {
        await fc.assert(
          fc.asyncProperty(brokenBodies, fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded"), async (body, type) => {
            const answer = await post(path, body, type);
            expectAnswer(path, answer);
          }),
          { numRuns: Math.ceil(RUNS / 2) },
        );
      },
      TIMEOUT_MS,
    );
  }

  it("leaves the gateway serving, with a ledger row for every request it answered 200", async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const rows = await ledgerRows(gateway);
    const oldest = Math.min(...[...rows.values()].map((row) => row.ts));
    // The in-memory ledger keeps its newest 10,000 rows: once full, answers from before the oldest kept one are gone by design.
    const checked = rows.size < DEFAULT_MEMORY_ROWS ? served : served.filter((answer) => answer.at > oldest + 1_000);
    expect(checked.length).toBeGreaterThan(0);
    for (const { id } of checked) expect(rows.has(id), id).toBe(true);
  });
});
