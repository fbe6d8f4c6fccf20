/**
 * The official openai SDK against a Gemini deployment: log probabilities (the
 * upstream request carries `responseLogprobs`/`logprobs`, and the SDK reads
 * OpenAI-shaped `logprobs.content`, buffered and streamed), and a stream whose
 * last event holds a function call with the finish reason. And the Anthropic
 * SDK streaming /v1/messages from it: the prompt's counts of Gemini's first
 * event are in message_start, as an Anthropic upstream's are. And embeddings of
 * more inputs than Gemini takes in one call (100).
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

let gemini: FakeUpstream;
let gateway: Gateway;
let client: OpenAI;

const candidate = (text: string, logProbability: number, finish?: string) => ({
  content: { role: "model", parts: [{ text }] },
  index: 0,
  logprobsResult: { chosenCandidates: [{ token: text, tokenId: 1, logProbability }], topCandidates: [{ candidates: [{ token: text, tokenId: 1, logProbability }, { token: "x", tokenId: 2, logProbability: -3 }] }] },
  ...(finish && { finishReason: finish }),
});
const usageMetadata = { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 };

beforeAll(async () => {
  gemini = await startFakeUpstream();
  gemini.handle((request, res) => {
    if (request.url.includes(":batchEmbedContents")) {
      // Gemini's own limit: at most 100 requests a call. Each vector holds its input's number.
      const requests = (request.body?.requests ?? []) as Array<{ content: { parts: Array<{ text: string }> } }>;
      if (requests.length > 100) {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: 400, message: "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch", status: "INVALID_ARGUMENT" } }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ embeddings: requests.map((entry) => ({ values: [Number(entry.content.parts[0]!.text), 0.5] })) }));
      return;
    }
    if (request.body?.tools) {
      // Text, then one event with both function calls and the finish reason.
      const call = (city: string) => ({ functionCall: { name: "get_weather", args: { city } } });
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "Looking." }] }, index: 0 }], responseId: "t" })}\r\n\r\n`);
      res.end(`data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [call("Paris"), call("Oslo")] }, finishReason: "STOP", index: 0 }], usageMetadata, responseId: "t" })}\r\n\r\n`);
      return;
    }
    if (request.url.includes(":streamGenerateContent") && JSON.stringify(request.body).includes("count me")) {
      const counted = { promptTokenCount: 100, cachedContentTokenCount: 10, candidatesTokenCount: 1, totalTokenCount: 101 };
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "Hi" }] }, index: 0 }], usageMetadata: counted, responseId: "c" })}\r\n\r\n`);
      res.end(`data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "!" }] }, finishReason: "STOP", index: 0 }], usageMetadata: { ...counted, candidatesTokenCount: 2, totalTokenCount: 102 }, responseId: "c" })}\r\n\r\n`);
      return;
    }
    if (request.url.includes(":streamGenerateContent")) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ candidates: [candidate("Hi", -0.1)], responseId: "r" })}\r\n\r\n`);
      res.end(`data: ${JSON.stringify({ candidates: [candidate(" there", -0.7, "STOP")], usageMetadata, responseId: "r" })}\r\n\r\n`);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ candidates: [candidate("Hi", -0.1, "STOP")], usageMetadata, responseId: "r" }));
  });
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: { storage: { url: "memory://" }, providers: { google: { type: "gemini", base_url: `${gemini.url}/v1beta`, api_key: "AIza-test-0000000000000" } } },
  });
  client = new OpenAI({ apiKey: "x", baseURL: "http://gw/v1", fetch: gateway.fetch, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await gemini.close();
});

const ask = { model: "google/gemini-2.5-flash", messages: [{ role: "user" as const, content: "Hi" }], logprobs: true, top_logprobs: 2 };

it("embeddings: 250 inputs go up as calls of 100, 100 and 50 and come back as one list in input order", async () => {
  const before = gemini.requests.length;
  const input = Array.from({ length: 250 }, (_, index) => String(index));
  const result = await client.embeddings.create({ model: "google/gemini-embedding-001", input, encoding_format: "float" });
  const calls = gemini.requests.slice(before).map((request) => (request.body?.requests as unknown[]).length);
  expect(calls.sort((a, b) => b - a)).toEqual([100, 100, 50]);
  expect(result.data).toHaveLength(250);
  expect(result.data.map((item) => item.index)).toEqual(input.map((_, index) => index));
  expect(result.data.map((item) => item.embedding[0])).toEqual(input.map(Number));
  expect(result.usage.prompt_tokens).toBeGreaterThan(0);
});

it("buffered", async () => {
  const completion = await client.chat.completions.create(ask);
  expect(gemini.requests.at(-1)!.body?.generationConfig).toMatchObject({ responseLogprobs: true, logprobs: 2 });
  expect(completion.choices[0]!.logprobs?.content).toEqual([
    { token: "Hi", logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: "Hi", logprob: -0.1, bytes: [72, 105] }, { token: "x", logprob: -3, bytes: [120] }] },
  ]);
});

it("streamed", async () => {
  const tokens: Array<[string, number]> = [];
  for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) {
    for (const entry of chunk.choices[0]?.logprobs?.content ?? []) tokens.push([entry.token, entry.logprob]);
  }
  expect(tokens).toEqual([["Hi", -0.1], [" there", -0.7]]);
});

it("a last event holding function calls and the finish reason: the SDK's helper closes every call's arguments", async () => {
  const done: Array<[string, string]> = [];
  const runner = client.chat.completions.stream({
    model: "google/gemini-2.5-flash",
    messages: [{ role: "user", content: "Weather?" }],
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
  });
  runner.on("tool_calls.function.arguments.done", (event) => done.push([event.name, event.arguments]));
  const final = await runner.finalChatCompletion();
  expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  expect(done).toEqual([["get_weather", '{"city":"Paris"}'], ["get_weather", '{"city":"Oslo"}']]);
});

it("/v1/messages streamed from Gemini: message_start has the prompt's counts of the first event", async () => {
  const anthropic = new Anthropic({ apiKey: "x", baseURL: "http://gw", fetch: gateway.fetch, maxRetries: 0 });
  const stream = anthropic.messages.stream({ model: "google/gemini-2.5-flash", max_tokens: 16, messages: [{ role: "user", content: "count me" }] });
  const starts: Anthropic.Usage[] = [];
  stream.on("streamEvent", (event) => {
    if (event.type === "message_start") starts.push(structuredClone(event.message.usage));
  });
  const message = await stream.finalMessage();
  expect(starts).toHaveLength(1);
  expect(starts[0]).toMatchObject({ input_tokens: 90, cache_read_input_tokens: 10 });
  expect(message.usage).toMatchObject({ input_tokens: 90, cache_read_input_tokens: 10, output_tokens: 2 });
});
