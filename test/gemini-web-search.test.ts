/**
 * OpenAI's web search (`web_search_options`) through `/v1/chat/completions`
 * to a Gemini model, with the official openai SDK: the request becomes
 * Grounding with Google Search (the `google_search` tool; OpenAI's location and
 * context size have no Gemini field), the answer's grounding supports become
 * `url_citation` annotations spanning the cited text, and each search query is
 * in the cost at a `pricing:` override's `web_search_per_1k`. The upstream
 * speaks Gemini's documented grounding format
 * (src/providers/gemini/__fixtures__/gemini-grounded.*).
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { FakeUpstream } from "./helpers/fake-upstream.js";
import { validateOpenAI } from "./helpers/openapi.js";
import { sendRecorded } from "./helpers/provider-fixtures.js";
import { startTranslatedGateway, type TranslatedGateway } from "./helpers/translated-gateway.js";

let setup: TranslatedGateway;
let gemini: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  setup = await startTranslatedGateway(
    { gemini: (request, res) => sendRecorded(res, "gemini", "gemini-grounded", request.url.includes(":streamGenerateContent")) },
    { pricing: { "google/gemini-3-flash-preview": { input: 0.5, output: 3, web_search_per_1k: 14 } } },
  );
  ({ gemini, client } = setup);
});
afterAll(async () => setup.close());
beforeEach(() => {
  gemini.requests.length = 0;
});

const params = {
  model: "google/gemini-3-flash-preview",
  messages: [{ role: "user" as const, content: "What is the weather in Paris today?" }],
  web_search_options: { search_context_size: "low" as const, user_location: { type: "approximate" as const, approximate: { city: "Paris", country: "FR", timezone: "Europe/Paris" } } },
};
const S1 = "Paris is mostly sunny today, with a high of 9 °C and a low of 2 °C.";
const S2 = "Light north-easterly winds are expected and no rain is forecast.";
const S3 = "Météo-France says the dry, sunny spell should last through the weekend.";
const CONTENT = `${S1} ${S2} ${S3}`;
// 11 prompt + 384 tool-use prompt tokens at $0.5/M, 62 + 141 thought output tokens at $3/M: $0.0008065;
// two search queries at $14 per 1,000: $0.028.
const COST = 0.0288065;

it("asks Gemini with the google_search tool, without web_search_options", async () => {
  await client.chat.completions.create(params);
  const request = gemini.requests[0]!;
  expect(request.url).toContain("/v1beta/models/gemini-3-flash-preview:generateContent");
  expect(request.body!.tools).toEqual([{ google_search: {} }]);
  expect(request.body!.toolConfig).toBeUndefined();
  for (const dropped of ["web_search_options", "user_location", "search_context_size", "Europe/Paris"]) expect(request.raw).not.toContain(dropped);
});

it("answers with the grounded text as url_citation annotations and every query in the cost", async () => {
  const completion = await client.chat.completions.create(params);
  validateOpenAI("CreateChatCompletionResponse", completion);
  const message = completion.choices[0]!.message;
  expect(message.content).toBe(CONTENT);
  const annotations = message.annotations!;
  expect(annotations.map(({ url_citation: citation }) => [CONTENT.slice(citation.start_index, citation.end_index), citation.title])).toEqual([
    [S1, "weather.com"],
    [S1, "accuweather.com"],
    [S2, "weather.com"],
    [S3, "meteofrance.com"],
  ]);
  expect(annotations.every(({ type, url_citation: citation }) => type === "url_citation" && citation.url.startsWith("https://vertexaisearch.cloud.google.com/grounding-api-redirect/"))).toBe(true);
  expect(completion.usage).toMatchObject({ prompt_tokens: 395, completion_tokens: 203 });
  expect((completion.usage as { cost?: number }).cost).toBe(COST);
});

it("streams the text, with the queries in the final usage's cost", async () => {
  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  let text = "";
  let cost: number | undefined;
  for await (const chunk of stream) {
    validateOpenAI("CreateChatCompletionStreamResponse", chunk);
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.usage) cost = (chunk.usage as { cost?: number }).cost;
  }
  expect(text).toBe(CONTENT);
  expect(cost).toBe(COST);
  expect(gemini.requests[0]!.url).toContain(":streamGenerateContent?alt=sse");
  expect(gemini.requests[0]!.body!.tools).toEqual([{ google_search: {} }]);
});

it("adds the search after function tools, and no tool without web_search_options", async () => {
  const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
  await client.chat.completions.create({ ...params, tools });
  expect(gemini.requests[0]!.body!.tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: "get_weather" })] }, { google_search: {} }]);
  await client.chat.completions.create({ model: params.model, messages: params.messages });
  expect(gemini.requests[1]!.body!.tools).toBeUndefined();
});
