/**
 * Generated upstream answers: each provider format's real success answer
 * (OpenAI, Anthropic, Gemini; whole and streamed) with random parts replaced
 * or removed, cut short, split into reads at random bytes, and with odd
 * rate-limit headers. Whatever a provider sends, the client gets a 200 in
 * OpenAI's shape (a stream that ends with `[DONE]`, an error event inside it
 * at worst) or a 502 in the error shape: never a 500, a hang or a secret. And
 * every request has its ledger row, with counts and cost that are numbers. Error
 * answers, mutated or not JSON at all, reach the client as errors it can act on.
 *
 * `npm test` runs a short pass; `npm run fuzz` a long one (FUZZ_RUNS scales it).
 */
import type { ServerResponse } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { startServer, type RunningServer } from "../src/server/http-server.js";
import { completionBody, startFakeUpstream, textStream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { expectAnthropicAnswer, expectNoLeak, expectOpenAIAnswer, sseEvents } from "./helpers/answer-shapes.js";
import { ledgerRows } from "./helpers/ledger-rows.js";
import { providerFixture } from "./helpers/provider-fixtures.js";
import { mutate, mutation, type Mutation } from "./helpers/request-arbitraries.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const TIMEOUT_MS = Math.max(30_000, RUNS * 200);
const SECRETS = ["sk-fuzzup-oai-1a2b3c4d5e6f7081", "sk-ant-fuzzup-9f8e7d6c5b4a3921", "AIza-fuzzup-0a1b2c3d4e5f6a7b8c"];

interface ProviderCase {
  provider: "oai" | "claude" | "google";
  model: string;
  json: Record<string, unknown>;
  /** The streamed answer as SSE events (each `event:`/`data:` lines, no blank line). */
  events: string[];
  /** Rate-limit headers this format sends, to be given odd values. */
  rateHeaders: string[];
  /** An error answer in this format. */
  error: Record<string, unknown>;
}

const CASES: ProviderCase[] = [
  {
    provider: "oai",
    model: "oai/gpt-4o-mini",
    json: completionBody("gpt-4o-mini", "Hello!"),
    events: textStream("gpt-4o-mini", ["Hel", "lo!"], true).map((payload) => `data: ${payload}`),
    rateHeaders: ["x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"],
    error: { error: { message: "Rate limit reached for gpt-4o-mini", type: "requests", param: null, code: "rate_limit_exceeded" } },
  },
  {
    provider: "claude",
    model: "claude/claude-sonnet-4-5",
    json: JSON.parse(providerFixture("anthropic", "anthropic-text.json")),
    events: sseEvents(providerFixture("anthropic", "anthropic-text.chunks.txt")),
    rateHeaders: ["anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset", "anthropic-ratelimit-tokens-remaining", "retry-after"],
    error: JSON.parse(providerFixture("anthropic", "anthropic-error-rate-limit.json")),
  },
  {
    provider: "google",
    model: "google/gemini-2.5-flash",
    json: JSON.parse(providerFixture("gemini", "gemini-text.json")),
    events: sseEvents(providerFixture("gemini", "gemini-text.chunks.txt")),
    rateHeaders: ["retry-after"],
    error: JSON.parse(providerFixture("gemini", "gemini-error-429.json")),
  },
];

/** How the upstream misbehaves this time. */
interface Twist {
  mutations: Mutation[];
  /** Which events (streams) get the mutations; indexes wrap around. */
  eventIndexes: number[];
  /** Keep only this share of the body's bytes (1 keeps it whole). */
  keep: number;
  /** Byte offsets (as shares of the length) where the body is split into separate writes. */
  splits: number[];
  headers: Record<string, string>;
}

const UPSTREAM_ERRORS = [400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529];
const ODD_HEADER_VALUES = ["", "-1", "abc", "1e309", "NaN", "0", "2025-13-45T99:99:99Z", "9".repeat(40), "1.5s", "6m0s"];
const twist = (rateHeaders: string[]): fc.Arbitrary<Twist> =>
  fc.record({
    mutations: fc.oneof({ weight: 1, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) }),
    eventIndexes: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    keep: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }),
    splits: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
    headers: fc.dictionary(fc.constantFrom(...rateHeaders), fc.constantFrom(...ODD_HEADER_VALUES), { maxKeys: 2 }),
  });

/** The data line's JSON mutated, the event's other lines kept. */
function mutateEvent(event: string, mutations: Mutation[]): string {
  return event
    .split("\n")
    .map((line) => {
      if (!line.startsWith("data: ") || line === "data: [DONE]") return line;
      try {
        return `data: ${JSON.stringify(mutate(JSON.parse(line.slice(6)) as object, mutations))}`;
      } catch {
        return line;
      }
    })
    .join("\n");
}

function bodyOf(testCase: ProviderCase, stream: boolean, { mutations, eventIndexes }: Twist): Buffer {
  if (!stream) return Buffer.from(JSON.stringify(mutate(testCase.json, mutations)));
  const events = [...testCase.events];
  for (const index of eventIndexes) events[index % events.length] = mutateEvent(events[index % events.length]!, mutations);
  return Buffer.from(events.map((event) => `${event}\n\n`).join(""));
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Writes the body cut and split as the twist says, a loop turn apart (separate reads upstream of the gateway). */
async function answer(res: ServerResponse, stream: boolean, body: Buffer, { keep, splits, headers }: Twist, status = 200): Promise<void> {
  const sent = body.subarray(0, Math.floor(body.length * keep));
  res.writeHead(status, { "content-type": stream && status === 200 ? "text/event-stream" : "application/json", ...headers });
  const cuts = [...new Set(splits.map((share) => Math.floor(share * sent.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const cut of [...cuts, sent.length]) {
    if (cut > from) res.write(sent.subarray(from, cut));
    from = Math.max(from, cut);
    await nextTurn();
  }
  res.end();
}

let upstreams: Record<ProviderCase["provider"], FakeUpstream>;
let gateway: Gateway;
let server: RunningServer;
/** The answer the fakes give next. */
let next: { stream: boolean; body: Buffer; twist: Twist; status?: number } | undefined;
const answered: Array<{ id: string; status: number }> = [];
/** Answers by provider, stream or not, and status, to show the twists reach both outcomes. */
const statuses = new Map<string, number>();

beforeAll(async () => {
  const [oai, claude, google] = await Promise.all([startFakeUpstream(), startFakeUpstream(), startFakeUpstream()]);
  upstreams = { oai: oai!, claude: claude!, google: google! };
  for (const upstream of Object.values(upstreams)) upstream.handle((_request, res) => (next ? answer(res, next.stream, next.body, next.twist, next.status) : void res.destroy()));
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: {
        oai: { type: "openai-compatible", base_url: upstreams.oai.baseUrl, api_key: SECRETS[0] },
        claude: { type: "anthropic", base_url: `${upstreams.claude.url}/v1`, api_key: SECRETS[1] },
        google: { type: "gemini", base_url: `${upstreams.google.url}/v1beta`, api_key: SECRETS[2] },
      },
      // Retrying a broken answer gets the same broken answer, and a cooldown would answer for the upstream:
      // one attempt, no cooldown, so every answer below is the gateway's reading of what the upstream sent.
      models: Object.fromEntries(CASES.map(({ provider, model }) => [`fuzz-${provider}`, { deployments: [{ provider, model: model.slice(provider.length + 1) }], retries: 0 }])),
      routing: { cooldown: { failures: 1_000_000_000 } },
    },
  });
  server = await startServer(gateway, { host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  // The long run (npm run fuzz) shows what the twists led to.
  if (process.env.FUZZ_RUNS) console.log([...statuses].sort().map(([answer, count]) => `${answer}: ${count}`).join("\n"));
  await server?.close(1000);
  await gateway?.close();
  await Promise.all(Object.values(upstreams ?? {}).map((upstream) => upstream.close()));
});

describe("generated upstream answers", () => {
  for (const testCase of CASES) {
    it(
      `${testCase.provider}: a 200 in OpenAI's shape or a 502, whatever the upstream sends`,
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.boolean(), fc.boolean(), fc.boolean(), twist(testCase.rateHeaders), async (anthropicFront, stream, includeUsage, how) => {
            next = { stream, body: bodyOf(testCase, stream, how), twist: how };
            const model = `fuzz-${testCase.provider}`;
            const messages = [{ role: "user", content: "Hi" }];
            const [path, request] = anthropicFront
              ? ["/v1/messages", { model, max_tokens: 64, messages, stream }]
              : ["/v1/chat/completions", { model, messages, stream, ...(stream && { stream_options: { include_usage: includeUsage } }) }];
            const response = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
            const text = await response.text();
            expectNoLeak(text, SECRETS);
            expect([200, 502], `${response.status} ${text.slice(0, 300)}`).toContain(response.status);
            answered.push({ id: response.headers.get("x-request-id")!, status: response.status });
            const outcome = `${testCase.provider} ${anthropicFront ? "messages" : "chat"} ${stream ? "stream" : "whole"} ${response.status}${/"error":/.test(text) && response.status === 200 ? " (error event)" : ""}`;
            statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
            const cost = response.headers.get("x-switchyard-cost-usd");
            if (cost !== null) expect(Number(cost)).toBeGreaterThanOrEqual(0);
            (anthropicFront ? expectAnthropicAnswer : expectOpenAIAnswer)(response.status, text, stream);
          }),
          { numRuns: RUNS },
        );
        // Twists that always broke the answer, or never did, would test half of this.
        const count = (status: number) => [...statuses].filter(([answer]) => answer.startsWith(`${testCase.provider} `) && answer.includes(` ${status}`)).reduce((sum, [, n]) => sum + n, 0);
        expect(count(200)).toBeGreaterThan(RUNS / 10);
        expect(count(502)).toBeGreaterThan(0);
      },
      TIMEOUT_MS,
    );
  }

  for (const testCase of CASES) {
    it(
      `${testCase.provider}: an upstream error in any shape reaches the client as an error it can act on, never a 500`,
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.boolean(),
            fc.constantFrom(...UPSTREAM_ERRORS),
            fc.array(mutation, { maxLength: 3 }),
            fc.dictionary(fc.constantFrom("retry-after", "retry-after-ms", ...testCase.rateHeaders), fc.constantFrom(...ODD_HEADER_VALUES), { maxKeys: 2 }),
            fc.boolean(),
            async (stream, status, mutations, headers, html) => {
              const body = html ? Buffer.from("<html><body>502 Bad Gateway</body></html>") : Buffer.from(JSON.stringify(mutate(testCase.error, mutations)));
              next = { stream, status, body, twist: { mutations: [], eventIndexes: [0], keep: 1, splits: [], headers } };
              const request = { model: `fuzz-${testCase.provider}`, messages: [{ role: "user", content: "Hi" }], stream };
              const response = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
              const text = await response.text();
              expectNoLeak(text, SECRETS);
              // A client error passes as the provider said it; the gateway's own key failing upstream (401, 403) is the
              // operator's problem, so a 502, never the client's 401; a server error is one of the gateway's three.
              const told = response.status;
              const actionable = (told >= 400 && told < 500 && told !== 401 && told !== 403) || [502, 503, 504].includes(told);
              expect(actionable, `${status} → ${told} ${text.slice(0, 300)}`).toBe(true);
              expect(JSON.parse(text).error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
              answered.push({ id: response.headers.get("x-request-id")!, status: response.status });
            },
          ),
          { numRuns: Math.ceil(RUNS / 2) },
        );
      },
      TIMEOUT_MS,
    );
  }

  it("writes a ledger row for every request, with token counts and cost that are numbers", async () => {
    const rows = await ledgerRows(gateway);
    const checked = answered.slice(-5_000);
    expect(checked.length).toBeGreaterThan(0);
    for (const { id, status } of checked) {
      const row = rows.get(id);
      expect(row, id).toBeDefined();
      expect(row!.status === status || (status === 200 && row!.stream), `${id}: ledger ${row!.status}, answered ${status}`).toBe(true);
      for (const count of [row!.input_tokens, row!.output_tokens, row!.cached_tokens, row!.reasoning_tokens]) {
        expect(Number.isSafeInteger(count) && count >= 0, `${id}: ${JSON.stringify(row)}`).toBe(true);
      }
      if (row!.cost_usd !== null) expect(Number.isFinite(row!.cost_usd) && row!.cost_usd >= 0, `${id}: cost ${row!.cost_usd}`).toBe(true);
    }
  });
});
