/**
 * OpenAI's web search (`web_search_options`) through `/v1/chat/completions`
 * to a Claude model, with the official openai SDK: the request becomes
 * Anthropic's web search server tool (the approximate location carried over),
 * the answer's web citations become `url_citation` annotations, and the
 * search fee is in the cost. The upstream speaks Anthropic's documented web
 * search format (src/providers/anthropic/__fixtures__/anthropic-web-search.*).
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { FakeUpstream } from "./helpers/fake-upstream.js";
import { validateOpenAI } from "./helpers/openapi.js";
import { sendRecorded } from "./helpers/provider-fixtures.js";
import { startTranslatedGateway, type TranslatedGateway } from "./helpers/translated-gateway.js";

let setup: TranslatedGateway;
let claude: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  setup = await startTranslatedGateway(
    { anthropic: (request, res) => sendRecorded(res, "anthropic", "anthropic-web-search", request.body?.stream === true) },
    { pricing: { "claude/claude-sonnet-4-5": { input: 3, output: 15, web_search_per_1k: 10 } } },
  );
  ({ anthropic: claude, client } = setup);
});
afterAll(async () => setup.close());
beforeEach(() => {
  claude.requests.length = 0;
});

const params = {
  model: "claude/claude-sonnet-4-5",
  messages: [{ role: "user" as const, content: "What is the weather in Paris today?" }],
  web_search_options: { search_context_size: "low" as const, user_location: { type: "approximate" as const, approximate: { city: "Paris", country: "FR", timezone: "Europe/Paris" } } },
};
const FIRST = "I'll look up today's weather in Paris.";
const CITED = "Paris is sunny today with a high of 9 °C.";

it("asks Claude with its web search tool, the location carried over", async () => {
  await client.chat.completions.create(params);
  expect(claude.requests[0]!.body!.tools).toEqual([
    { type: "web_search_20250305", name: "web_search", user_location: { type: "approximate", city: "Paris", country: "FR", timezone: "Europe/Paris" } },
  ]);
  expect(claude.requests[0]!.raw).not.toContain("web_search_options");
});

it("answers with the cited text as url_citation annotations and the search in the cost", async () => {
  const completion = await client.chat.completions.create(params);
  validateOpenAI("CreateChatCompletionResponse", completion);
  const message = completion.choices[0]!.message;
  expect(message.content).toBe(FIRST + CITED);
  expect(message.annotations).toEqual([
    {
      type: "url_citation",
      url_citation: { start_index: FIRST.length, end_index: FIRST.length + CITED.length, url: "https://weather.example.com/paris", title: "Paris, France weather today" },
    },
  ]);
  expect(message.content!.slice(message.annotations![0]!.url_citation.start_index, message.annotations![0]!.url_citation.end_index)).toBe(CITED);
  // 6,039 input tokens at $3/M, 93 output at $15/M, one search at $10 per 1,000.
  expect((completion.usage as { cost?: number }).cost).toBe(0.029512);
});

it("streams the text, with the search in the final usage's cost", async () => {
  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  let text = "";
  let cost: number | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.usage) cost = (chunk.usage as { cost?: number }).cost;
  }
  expect(text).toBe(FIRST + CITED);
  expect(cost).toBe(0.029512);
  expect(claude.requests[0]!.body!.tools).toHaveLength(1);
});

it("leaves requests without web_search_options without the tool", async () => {
  await client.chat.completions.create({ model: params.model, messages: params.messages });
  expect(claude.requests[0]!.body!.tools).toBeUndefined();
});
