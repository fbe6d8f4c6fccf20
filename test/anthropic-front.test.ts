/**
 * End to end: the official Anthropic SDK talks to `POST /v1/messages`, the
 * gateway routes to a fake OpenAI-compatible upstream speaking OpenAI's wire
 * format (shapes from the OpenAI API reference), and the answers come back in
 * Anthropic's format.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Anthropic from "@anthropic-ai/sdk";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { startServer, type RunningServer } from "../src/server/http-server.js";
import { validateOpenAI } from "./helpers/openapi.js";
import { textThenFailure } from "./helpers/sdk-stream.js";

const UPSTREAM_KEY = "sk-test-upstream-000000";

interface Received { headers: IncomingMessage["headers"]; body: Record<string, unknown> & { messages: Array<Record<string, unknown>> } }

const received: Received[] = [];
const lastBody = () => received.at(-1)!.body;

const created = 1741569952;
const usage = { prompt_tokens: 120, completion_tokens: 7, total_tokens: 127, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 0 } };

function completion(model: string, message: Record<string, unknown>, finish: string) {
  return {
    id: "chatcmpl-e2e1",
    object: "chat.completion",
    created,
    model,
    system_fingerprint: "fp_test",
    choices: [{ index: 0, message: { role: "assistant", refusal: null, ...message }, logprobs: null, finish_reason: finish }],
    usage,
  };
}

function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null) {
  return { id: "chatcmpl-e2e2", object: "chat.completion.chunk", created, model, system_fingerprint: "fp_test", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

function usageChunk(model: string) {
  return { id: "chatcmpl-e2e2", object: "chat.completion.chunk", created, model, choices: [], usage: { ...usage, completion_tokens: 3, total_tokens: 123 } };
}

const TOOL_STREAM = (model: string) => [
  chunk(model, { role: "assistant", content: "" }),
  chunk(model, { content: "Checking." }),
  chunk(model, { tool_calls: [{ index: 0, id: "call_paris", type: "function", function: { name: "get_weather", arguments: "" } }] }),
  chunk(model, { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
  chunk(model, { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  chunk(model, { tool_calls: [{ index: 1, id: "call_rome", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] }),
  chunk(model, {}, "tool_calls"),
  usageChunk(model),
];

/** Two parallel calls whose argument fragments the host interleaves by `tool_calls[].index` (valid OpenAI wire format). */
const INTERLEAVED_STREAM = (model: string) => [
  chunk(model, { role: "assistant", content: "" }),
  chunk(model, { content: "Checking." }),
  chunk(model, { tool_calls: [{ index: 0, id: "call_A", type: "function", function: { name: "get_weather", arguments: "" } }] }),
  chunk(model, { tool_calls: [{ index: 1, id: "call_B", type: "function", function: { name: "get_time", arguments: "" } }] }),
  chunk(model, { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
  chunk(model, { tool_calls: [{ index: 1, function: { arguments: '{"tz":' } }] }),
  chunk(model, { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  chunk(model, { tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] }),
  chunk(model, {}, "tool_calls"),
  usageChunk(model),
];

const TEXT_STREAM = (model: string) => [
  chunk(model, { role: "assistant", content: "" }),
  chunk(model, { content: "Hel" }),
  chunk(model, { content: "lo" }),
  chunk(model, { content: " world" }),
  chunk(model, {}, "stop"),
  usageChunk(model),
];

function sse(res: ServerResponse, events: unknown[], done = true): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`);
  if (done) res.end("data: [DONE]\n\n");
}

/** Answers by upstream model id: `text`, `tools`, `interleaved` (streams only), `overloaded`, `cut` (socket dies mid-stream), `inband-error`. */
function answer(body: Received["body"], res: ServerResponse): void {
  const model = body.model as string;
  const stream = body.stream === true;
  if (model === "overloaded") {
    res.writeHead(503, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "The server is overloaded", type: "server_error", code: null, param: null } }));
    return;
  }
  if (model === "text") {
    if (stream) sse(res, TEXT_STREAM(model));
    else res.end(JSON.stringify(completion(model, { content: "Hello from upstream" }, "stop")));
    return;
  }
  if (model === "tools") {
    const answeredTool = body.messages.at(-1)?.role === "tool";
    if (stream) sse(res, TOOL_STREAM(model));
    else if (answeredTool) res.end(JSON.stringify(completion(model, { content: "It is 18°C in Paris." }, "stop")));
    else {
      const call = { id: "call_paris", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
      res.end(JSON.stringify(completion(model, { content: null, tool_calls: [call] }, "tool_calls")));
    }
    return;
  }
  if (model === "interleaved" && stream) {
    sse(res, INTERLEAVED_STREAM(model));
    return;
  }
  if (model === "cut") {
    sse(res, [chunk(model, { role: "assistant", content: "" }), chunk(model, { content: "Partial" })], false);
    setTimeout(() => res.socket?.destroy(), 50);
    return;
  }
  if (model === "inband-error") {
    sse(res, [chunk(model, { role: "assistant", content: "Par" }), { error: { message: "Model crashed", type: "server_error" } }]);
    return;
  }
  res.writeHead(404, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message: `The model '${model}' does not exist`, type: "invalid_request_error", code: "model_not_found", param: null } }));
}

function startUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (part: Buffer) => (text += part.toString("utf8")));
    req.on("end", () => {
      const body = JSON.parse(text) as Received["body"];
      received.push({ headers: req.headers, body });
      try {
        // Whatever the front translated must be a valid OpenAI request.
        validateOpenAI("CreateChatCompletionRequest", body);
      } catch (error) {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: (error as Error).message, type: "invalid_request_error" } }));
        return;
      }
      answer(body, res);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

let upstream: Server;
let gateway: Gateway;
let running: RunningServer;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startUpstream();
  const port = (upstream.address() as AddressInfo).port;
  gateway = await createGateway({
    config: { providers: { fake: { type: "openai-compatible", base_url: `http://127.0.0.1:${port}/v1`, api_key: UPSTREAM_KEY } } },
    logger: pino({ level: "silent" }),
  });
  running = await startServer(gateway, { host: "127.0.0.1", port: 0 });
  // The SDK requests `${baseURL}/v1/messages`: the base URL is the gateway's root, without /v1.
  client = new Anthropic({ apiKey: "sk-ant-client-key", baseURL: running.url, maxRetries: 0 });
});

afterAll(async () => {
  await running?.close(1_000);
  await gateway?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

const weatherTool = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

describe("POST /v1/messages, non-streaming", () => {
  it("answers a text request in Anthropic's format", async () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: "fake/text",
      max_tokens: 64,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "Hi" }],
      stop_sequences: ["END"],
      metadata: { user_id: "user-1" },
    };
    // This SDK version no longer types the sampling parameters; older clients and Claude Code still send them.
    const sampling = { temperature: 0.3, top_k: 5 };
    const { data: message, response } = await client.messages.create({ ...params, ...sampling } as typeof params).withResponse();

    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "text",
      content: [{ type: "text", text: "Hello from upstream" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 0, output_tokens: 7 },
    });
    expect(message.id).toMatch(/^msg_/);
    expect(response.headers.get("request-id")).toBe(response.headers.get("x-request-id"));
    expect(response.headers.get("x-switchyard-provider")).toBe("fake");
    expect(response.headers.get("x-switchyard-model")).toBe("text");

    const sent = received[0]!;
    expect(sent.body).toMatchObject({
      model: "text",
      max_tokens: 64,
      temperature: 0.3,
      top_k: 5,
      stop: ["END"],
      user: "user-1",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
    });
    // The gateway's own key goes upstream; the client's never does.
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(sent.headers)).not.toContain("sk-ant-client-key");
  });

  it("round-trips tool_use and tool_result", async () => {
    const question = { role: "user" as const, content: "Weather in Paris?" };
    const first = await client.messages.create({ model: "fake/tools", max_tokens: 64, messages: [question], tools: [weatherTool], tool_choice: { type: "auto", disable_parallel_tool_use: true } });
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content).toEqual([{ type: "tool_use", id: "call_paris", name: "get_weather", input: { city: "Paris" } }]);
    expect(received[0]!.body).toMatchObject({
      tools: [{ type: "function", function: { name: "get_weather", description: weatherTool.description, parameters: weatherTool.input_schema } }],
      tool_choice: "auto",
      parallel_tool_calls: false,
    });

    const toolUse = first.content[0] as Anthropic.ToolUseBlock;
    const second = await client.messages.create({
      model: "fake/tools",
      max_tokens: 64,
      tools: [weatherTool],
      messages: [
        question,
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "18°C, sunny" }] },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "It is 18°C in Paris." }]);
    expect(second.stop_reason).toBe("end_turn");
    expect(lastBody().messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: "call_paris", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_paris", content: "18°C, sunny" },
    ]);
  });

  it("accepts Authorization: Bearer as well as x-api-key, and runs in-process through gw.fetch", async () => {
    const inProcess = new Anthropic({ authToken: "client-token-0000", baseURL: "http://switchyard.local", fetch: gateway.fetch, maxRetries: 0 });
    const message = await inProcess.messages.create({ model: "fake/text", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] });
    expect(message.content).toEqual([{ type: "text", text: "Hello from upstream" }]);
  });
});

describe("POST /v1/messages, streaming", () => {
  it("streams text events and a final message through messages.stream()", async () => {
    const stream = client.messages.stream({ model: "fake/text", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] });
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const message = await stream.finalMessage();

    expect(deltas).toEqual(["Hel", "lo", " world"]);
    expect(message.content).toEqual([{ type: "text", text: "Hello world" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage).toMatchObject({ input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 3 });
    expect(lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("sends raw events in Anthropic's order with one tool_use block per tool call", async () => {
    const stream = await client.messages.create({ model: "fake/tools", max_tokens: 64, messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], stream: true });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    expect(events.map((e) => ("index" in e ? `${e.type}:${e.index}` : e.type))).toEqual([
      "message_start",
      "content_block_start:0",
      "content_block_delta:0",
      "content_block_stop:0",
      "content_block_start:1",
      "content_block_delta:1",
      "content_block_delta:1",
      "content_block_stop:1",
      "content_block_start:2",
      "content_block_delta:2",
      "content_block_stop:2",
      "message_delta",
      "message_stop",
    ]);
    expect(events[4]).toEqual({ type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "call_paris", name: "get_weather", input: {} } });
    expect(events[5]).toEqual({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"city":' } });
    expect(events.at(-2)).toMatchObject({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 3 } });
  });

  it("assembles tool inputs in the SDK's final message", async () => {
    const message = await client.messages
      .stream({ model: "fake/tools", max_tokens: 64, messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool] })
      .finalMessage();
    expect(message.content).toEqual([
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "call_paris", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_rome", name: "get_weather", input: { city: "Rome" } },
    ]);
    expect(message.stop_reason).toBe("tool_use");
  });

  it("keeps interleaved tool calls in whole, sequential blocks: each contentBlock event carries its full input", async () => {
    const timeTool = { name: "get_time", description: "Current time in a zone", input_schema: { type: "object" as const, properties: { tz: { type: "string" } } } };
    const stream = client.messages.stream({ model: "fake/interleaved", max_tokens: 64, messages: [{ role: "user", content: "Weather and time?" }], tools: [weatherTool, timeTool] });
    const blocks: Anthropic.ContentBlock[] = [];
    stream.on("contentBlock", (block) => blocks.push(structuredClone(block)));
    const raw: Anthropic.RawMessageStreamEvent[] = [];
    stream.on("streamEvent", (event) => raw.push(event));
    const message = await stream.finalMessage();

    const expected = [
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "call_A", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_B", name: "get_time", input: { tz: "CET" } },
    ];
    expect(blocks).toMatchObject(expected);
    expect(message.content).toMatchObject(expected);
    expect(message.stop_reason).toBe("tool_use");
    // Anthropic's format: one block open at a time, and no event for a block after its content_block_stop.
    const order = raw.filter((e) => "index" in e).map((e) => `${e.type}:${(e as { index: number }).index}`);
    expect(order).toEqual([
      "content_block_start:0",
      "content_block_delta:0",
      "content_block_stop:0",
      "content_block_start:1",
      "content_block_delta:1",
      "content_block_delta:1",
      "content_block_stop:1",
      "content_block_start:2",
      "content_block_delta:2",
      "content_block_delta:2",
      "content_block_stop:2",
    ]);
  });

  it("ends with an error event when the upstream connection dies mid-stream", async () => {
    const { deltas, failure } = await textThenFailure(client.messages.stream({ model: "fake/cut", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] }));
    expect(deltas).toEqual(["Partial"]);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
  });

  it("reports an upstream's in-stream error as api_error, in raw SSE", async () => {
    const response = await fetch(`${running.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "fake/inband-error", max_tokens: 64, stream: true, messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = (await response.text()).trim().split("\n\n");
    expect(events.map((e) => e.split("\n")[0])).toEqual([
      "event: message_start",
      "event: content_block_start",
      "event: content_block_delta",
      "event: error",
    ]);
    const error = JSON.parse(events.at(-1)!.split("\n")[1]!.slice("data: ".length));
    expect(error).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(error.error.message).toContain("Model crashed");
  });
});

describe("POST /v1/messages, errors", () => {
  it("answers an unknown model with 404 not_found_error (the SDK's NotFoundError)", async () => {
    const failure = await client.messages.create({ model: "nope/model", max_tokens: 8, messages: [{ role: "user", content: "Hi" }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.NotFoundError);
    const error = failure as InstanceType<typeof Anthropic.NotFoundError>;
    expect(error.status).toBe(404);
    expect(error.type).toBe("not_found_error");
    expect(error.requestID).toBeTruthy();
    expect(error.error).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(received).toHaveLength(0);
  });

  it("answers an overloaded upstream with 503 overloaded_error, streaming or not", async () => {
    const request = { model: "fake/overloaded", max_tokens: 8, messages: [{ role: "user" as const, content: "Hi" }] };
    const plain = await client.messages.create(request).catch((error: unknown) => error);
    expect(plain).toBeInstanceOf(Anthropic.InternalServerError);
    expect(plain).toMatchObject({ status: 503, type: "overloaded_error" });
    const streamed = await client.messages.create({ ...request, stream: true }).catch((error: unknown) => error);
    expect(streamed).toMatchObject({ status: 503, type: "overloaded_error" });
  });

  it("answers bad requests with 400 invalid_request_error naming the field", async () => {
    const post = (body: string) =>
      fetch(`${running.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer k" }, body });
    const missing = await post(JSON.stringify({ model: "fake/text", messages: [{ role: "user", content: "Hi" }] }));
    expect(missing.status).toBe(400);
    expect(missing.headers.get("request-id")).toBeTruthy();
    expect(await missing.json()).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "'max_tokens' is required" },
      request_id: missing.headers.get("request-id"),
    });
    const malformed = await post("{not json");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(received).toHaveLength(0);
  });
});
