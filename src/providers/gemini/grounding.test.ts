import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateOpenAI } from "../../../test/helpers/openapi.js";
import type { ChatRequest } from "../../core/chat.js";
import type { CallContext } from "../adapter.js";
import { toGeminiRequest } from "./request.js";
import { translateResponse } from "./response.js";
import { GeminiStreamTranslator } from "./stream.js";

const context: CallContext = { model: "gemini-3-flash-preview", apiKey: "test-key" };

function build(request: Partial<ChatRequest>) {
  return toGeminiRequest({ model: context.model, messages: [{ role: "user", content: "Weather in Paris?" }], ...request } as ChatRequest, context.model);
}

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

const weatherTool = {
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};
const location = { type: "approximate", approximate: { city: "Paris", region: "Île-de-France", country: "FR", timezone: "Europe/Paris" } };

describe("web_search_options → Grounding with Google Search", () => {
  it("adds the google_search tool and drops what Gemini has no field for", () => {
    const body = build({ web_search_options: { search_context_size: "high", user_location: location } });
    expect(body.tools).toEqual([{ google_search: {} }]);
    expect(body.toolConfig).toBeUndefined();
    const wire = JSON.stringify(body);
    for (const dropped of ["web_search_options", "user_location", "search_context_size", "Europe/Paris", "approximate"]) expect(wire).not.toContain(dropped);
    expect(build({ web_search_options: {} }).tools).toEqual([{ google_search: {} }]);
  });

  it("adds no tool without web_search_options", () => {
    expect(build({}).tools).toBeUndefined();
    expect(build({ web_search_options: null }).tools).toBeUndefined();
    expect(build({ tools: [weatherTool] }).tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: "get_weather" })] }]);
  });

  it("puts the search after the function declarations and keeps tool_choice about the functions", () => {
    const body = build({ tools: [weatherTool], tool_choice: "required", web_search_options: { user_location: location } });
    expect(body.tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: "get_weather" })] }, { google_search: {} }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });
    // Only the search: a tool_choice has no function to be about.
    expect(build({ tool_choice: "none", web_search_options: {} }).toolConfig).toBeUndefined();
  });
});

const S1 = "Paris is mostly sunny today, with a high of 9 °C and a low of 2 °C.";
const S2 = "Light north-easterly winds are expected and no rain is forecast.";
const S3 = "Météo-France says the dry, sunny spell should last through the weekend.";
const REDIRECT = "https://vertexaisearch.cloud.google.com/grounding-api-redirect/";

describe("a grounded answer", () => {
  it("cites each supported segment as url_citation annotations spanning it in content, and counts the queries", () => {
    const body = fixture("gemini-grounded.json") as {
      candidates: Array<{ groundingMetadata: { groundingSupports: Array<{ segment: { startIndex?: number; endIndex: number } }> } }>;
    };
    const { completion, usage } = translateResponse(body, context, "gemini");
    validateOpenAI("CreateChatCompletionResponse", completion);
    const message = completion.choices[0]!.message;
    expect(message.content).toBe(`${S1} ${S2} ${S3}`);
    const at = (text: string) => message.content!.indexOf(text);
    const cite = (text: string, chunk: string, title: string) => ({
      type: "url_citation",
      url_citation: { start_index: at(text), end_index: at(text) + text.length, url: `${REDIRECT}${chunk}`, title },
    });
    expect(message.annotations).toEqual([
      cite(S1, "AUZIYQEx3Vq0mZ1pQm9yR8c2Lw7Tt5kHnB4sJd6fGa1", "weather.com"),
      cite(S1, "AUZIYQHq4Ns8eR2vB6tY0wC9mK1pXz5gLj3dFh7uQa3", "accuweather.com"),
      cite(S2, "AUZIYQEx3Vq0mZ1pQm9yR8c2Lw7Tt5kHnB4sJd6fGa1", "weather.com"),
      cite(S3, "AUZIYQGk7Yp2cW9nX4rT1sV6bM3qLz8dHf5jKe0uNa2", "meteofrance.com"),
    ]);
    const annotations = message.annotations as Array<{ url_citation: { start_index: number; end_index: number } }>;
    expect(annotations.map(({ url_citation: span }) => message.content!.slice(span.start_index, span.end_index))).toEqual([S1, S1, S2, S3]);
    // Gemini's own offsets count UTF-8 bytes ("°" and "é" take two): used as they are, they would cut the wrong text.
    const segments = body.candidates[0]!.groundingMetadata.groundingSupports.map((support) => support.segment);
    expect(segments.map((segment) => [segment.startIndex ?? 0, segment.endIndex])).toEqual([[0, 69], [70, 134], [135, 208]]);
    expect(annotations.map(({ url_citation: span }) => [span.start_index, span.end_index])).toEqual([[0, 67], [0, 67], [68, 132], [133, 204]]);
    expect(usage).toEqual({ input: { total: 395, cacheRead: 0, cacheWrite: 0 }, output: { total: 203, reasoning: 141 }, webSearchRequests: 2 });
  });

  it("finds each segment from where the previous one started, else from the start", () => {
    const chunks = [{ web: { uri: "https://a.example", title: "a" } }, { web: { uri: "https://b.example" } }];
    const candidate = (text: string, supports: Array<[string, number[]]>) => ({
      content: { role: "model", parts: [{ text }] },
      finishReason: "STOP",
      groundingMetadata: { groundingChunks: chunks, groundingSupports: supports.map(([segment, indices]) => ({ segment: { text: segment }, groundingChunkIndices: indices })) },
    });
    const spans = (body: unknown) =>
      (translateResponse(body, context, "gemini").completion.choices[0]!.message.annotations as Array<{ url_citation: { start_index: number; url: string; title: string } }>).map(
        ({ url_citation: citation }) => [citation.start_index, citation.url, citation.title],
      );
    // In order: the second "Sunny." is the one after "Windy.".
    expect(spans({ candidates: [candidate("Sunny. Windy. Sunny.", [["Windy.", [0]], ["Sunny.", [1]]])] })).toEqual([
      [7, "https://a.example", "a"],
      [14, "https://b.example", ""],
    ]);
    // Out of order: searched again from the start.
    expect(spans({ candidates: [candidate("Sunny. Windy.", [["Windy.", [0]], ["Sunny.", [0]]])] })).toEqual([
      [7, "https://a.example", "a"],
      [0, "https://a.example", "a"],
    ]);
  });

  it("never fails an answer over its grounding metadata: what does not fit is left out", () => {
    const answer = (groundingMetadata: unknown) => ({
      candidates: [{ content: { role: "model", parts: [{ text: "It is sunny." }] }, finishReason: "STOP", index: 0, groundingMetadata }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 4 },
    });
    for (const metadata of [null, "grounded", [], 42, { groundingChunks: "x", groundingSupports: {}, webSearchQueries: "weather" }, {}]) {
      const { completion, usage } = translateResponse(answer(metadata), context, "gemini");
      validateOpenAI("CreateChatCompletionResponse", completion);
      expect(completion.choices[0]!.message).toEqual({ role: "assistant", content: "It is sunny.", refusal: null });
      expect(usage).toEqual({ input: { total: 5, cacheRead: 0, cacheWrite: 0 }, output: { total: 4, reasoning: 0 } });
    }
    const { completion, usage } = translateResponse(
      answer({
        webSearchQueries: ["weather", "", 7, null, "weather"],
        groundingChunks: [
          { web: { uri: "https://ok.example", title: 3 } },
          { retrievedContext: { uri: "gs://bucket/doc" } },
          { web: { title: "no uri" } },
          null,
        ],
        groundingSupports: [
          null,
          { segment: {} },
          { segment: { text: 5 }, groundingChunkIndices: [0] },
          { segment: { text: "" }, groundingChunkIndices: [0] },
          { segment: { text: "not in the answer" }, groundingChunkIndices: [0] },
          { segment: { text: "sunny" }, groundingChunkIndices: [1, 2, 3, 4, -1, 0.5, "0", 0, 0] },
          { segment: { text: "It is" } },
        ],
      }),
      context,
      "gemini",
    );
    validateOpenAI("CreateChatCompletionResponse", completion);
    expect(completion.choices[0]!.message.annotations).toEqual([
      { type: "url_citation", url_citation: { start_index: 6, end_index: 11, url: "https://ok.example", title: "" } },
    ]);
    // Empty queries are not billed, and a query run twice is one query.
    expect(usage?.webSearchRequests).toBe(1);
  });

  it("adds the searches of every candidate, and none without queries", () => {
    const candidate = (index: number, webSearchQueries?: string[]) => ({
      content: { role: "model", parts: [{ text: `Answer ${index}` }] },
      finishReason: "STOP",
      index,
      ...(webSearchQueries && { groundingMetadata: { webSearchQueries } }),
    });
    const usageMetadata = { promptTokenCount: 5, candidatesTokenCount: 4 };
    const searches = (...candidates: unknown[]) => translateResponse({ candidates, usageMetadata }, context, "gemini").usage;
    expect(searches(candidate(0, ["a", "b"]), candidate(1, ["c"]))?.webSearchRequests).toBe(3);
    for (const without of [searches(candidate(0)), searches(candidate(0, [])), searches(candidate(0, [""]))]) expect(without).not.toHaveProperty("webSearchRequests");
    expect(translateResponse({ candidates: [candidate(0, ["a"])] }, context, "gemini").usage).toBeUndefined();
  });
});

describe("a grounded stream", () => {
  const event = (candidates: unknown[], usageMetadata?: unknown) => ({ data: JSON.stringify({ candidates, usageMetadata, responseId: "g" }) });
  const text = (index: number, value: string, extra: Record<string, unknown> = {}) => ({ content: { role: "model", parts: [{ text: value }] }, index, ...extra });

  it("streams no annotations and counts each candidate's last reported queries", () => {
    const translator = new GeminiStreamTranslator("gemini", context.model);
    const chunks = [
      ...translator.push(event([text(0, "Sunny", { groundingMetadata: { webSearchQueries: ["paris weather"] } }), text(1, "Warm")], { promptTokenCount: 5, candidatesTokenCount: 2 })),
      // A later list replaces the earlier one; metadata without a list leaves it as it was.
      ...translator.push(event([text(0, " today.", { finishReason: "STOP", groundingMetadata: { webSearchQueries: ["paris weather", "paris forecast"], groundingSupports: [] } })])),
      ...translator.push(event([text(1, " enough.", { finishReason: "STOP", groundingMetadata: { webSearchQueries: ["paris temperature"] } })], { promptTokenCount: 5, candidatesTokenCount: 6 })),
      ...translator.push(event([text(1, "", { groundingMetadata: { groundingChunks: [] } })])),
    ];
    for (const chunk of chunks) validateOpenAI("CreateChatCompletionStreamResponse", chunk);
    expect(JSON.stringify(chunks)).not.toContain("annotations");
    expect(translator.usage).toEqual({ input: { total: 5, cacheRead: 0, cacheWrite: 0 }, output: { total: 6, reasoning: 0 }, webSearchRequests: 3 });
    expect(translator.end()).toEqual([]);
  });

  it("reports no searches when no query list came", () => {
    const translator = new GeminiStreamTranslator("gemini", context.model);
    translator.push(event([text(0, "Hi", { finishReason: "STOP", groundingMetadata: "broken" })], { promptTokenCount: 1, candidatesTokenCount: 1 }));
    expect(translator.usage).toEqual({ input: { total: 1, cacheRead: 0, cacheWrite: 0 }, output: { total: 1, reasoning: 0 } });
  });
});
