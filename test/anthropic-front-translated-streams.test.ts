/**
 * The official Anthropic SDK streams `/v1/messages` from a fake upstream
 * speaking OpenAI's chunk format (tool-call fragments by `index`), in the
 * orders some OpenAI-compatible hosts really send: a call announced with no
 * arguments before another call, and text between one call's fragments. Each
 * block must stream as its content arrives, and the SDK's final message must
 * hold every tool input whole, all the text, and the real usage (which an
 * OpenAI-shaped stream reports only at its end).
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chunk, sendSse, type FakeHandler } from "./helpers/fake-upstream.js";
import { startGatewayFixture, type GatewayFixture } from "./helpers/gateway-fixture.js";

const usage = { id: "chatcmpl-fake1", object: "chat.completion.chunk", created: 1_700_000_000, model: "m", choices: [], usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52, prompt_tokens_details: { cached_tokens: 16 } } };
const call = (index: number, id: string, name: string, args = "") => chunk("m", { tool_calls: [{ index, id, type: "function", function: { name, arguments: args } }] });
const fragment = (index: number, args: string) => chunk("m", { tool_calls: [{ index, function: { arguments: args } }] });
const frame = (event: unknown) => `data: ${JSON.stringify(event)}\n\n`;

/** Set by a test when it has seen what it waits for; the upstream holds the rest of its stream until then (or 2 s). */
let release: () => void = () => {};
let releasedAt = 0;

const handler: FakeHandler = async (request, res) => {
  const model = String(request.body?.model);
  if (model === "empty-first") {
    // get_time streams while list_files, announced first, has no arguments (a no-parameter tool).
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const event of [chunk("m", { role: "assistant", content: "" }), call(0, "call_list", "list_files"), call(1, "call_time", "get_time"), fragment(1, '{"tz":')]) res.write(frame(event));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      release = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    releasedAt = performance.now();
    for (const event of [fragment(1, '"CET"}'), chunk("m", {}, "tool_calls"), usage]) res.write(frame(event));
    res.end("data: [DONE]\n\n");
    return;
  }
  if (model === "text-inside-call") {
    const events = [
      chunk("m", { role: "assistant", content: "" }),
      call(0, "call_paris", "get_weather", '{"city":'),
      chunk("m", { content: "Let me" }),
      fragment(0, '"Paris"}'),
      chunk("m", { content: " check" }),
      call(1, "call_rome", "get_weather", '{"city":"Rome"}'),
      chunk("m", { content: " both." }),
      chunk("m", {}, "tool_calls"),
      usage,
    ];
    sendSse(res, [...events.map((event) => JSON.stringify(event)), "[DONE]"]);
    return;
  }
  res.writeHead(404).end();
};

let fixture: GatewayFixture;
let client: Anthropic;

beforeAll(async () => {
  fixture = await startGatewayFixture({ handler });
  client = new Anthropic({ apiKey: "x", baseURL: fixture.server.url, maxRetries: 0 });
});
afterAll(async () => {
  release();
  await fixture?.close();
});

const tools: Anthropic.Tool[] = [
  { name: "list_files", input_schema: { type: "object" } },
  { name: "get_time", input_schema: { type: "object", properties: { tz: { type: "string" } } } },
  { name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } },
];

/** Block events as `type:index`, and whether each block's events stay between its start and stop. */
function blockOrder(events: Anthropic.RawMessageStreamEvent[]): string[] {
  return events.filter((e) => "index" in e).map((e) => `${e.type}:${(e as { index: number }).index}`);
}

it("streams a call's input_json_delta as it arrives though an earlier call has no arguments", async () => {
  const stream = client.messages.stream({ model: "fake/empty-first", max_tokens: 64, messages: [{ role: "user", content: "Files and time?" }], tools });
  const raw: Anthropic.RawMessageStreamEvent[] = [];
  let firstFragmentAt: number | undefined;
  stream.on("streamEvent", (event) => {
    raw.push(event);
    if (event.type === "content_block_delta" && event.delta.type === "input_json_delta" && event.delta.partial_json === '{"tz":') {
      firstFragmentAt = performance.now();
      release();
    }
  });
  const message = await stream.finalMessage();

  // The fragment reached the client while the upstream still held the rest of its stream.
  expect(firstFragmentAt).toBeDefined();
  expect(firstFragmentAt!).toBeLessThan(releasedAt);
  expect(message.content).toEqual([
    { type: "tool_use", id: "call_time", name: "get_time", input: { tz: "CET" } },
    { type: "tool_use", id: "call_list", name: "list_files", input: {} },
  ]);
  expect(message.stop_reason).toBe("tool_use");
  expect(blockOrder(raw)).toEqual([
    "content_block_start:0",
    "content_block_delta:0",
    "content_block_delta:0",
    "content_block_stop:0",
    "content_block_start:1",
    "content_block_stop:1",
  ]);
});

it("keeps a call's later fragments in its block when the host sends text between them, and loses no text", async () => {
  const stream = client.messages.stream({ model: "fake/text-inside-call", max_tokens: 64, messages: [{ role: "user", content: "Weather?" }], tools });
  const raw: Anthropic.RawMessageStreamEvent[] = [];
  stream.on("streamEvent", (event) => raw.push(event));
  const message = await stream.finalMessage();

  expect(message.content).toEqual([
    { type: "tool_use", id: "call_paris", name: "get_weather", input: { city: "Paris" } },
    { type: "text", text: "Let me check" },
    { type: "tool_use", id: "call_rome", name: "get_weather", input: { city: "Rome" } },
    { type: "text", text: " both." },
  ]);
  expect(message.stop_reason).toBe("tool_use");
  // One block at a time: each block's events come between its start and its stop.
  const order = blockOrder(raw);
  for (let index = 0; index < 4; index++) {
    const mine = order.filter((entry) => entry.endsWith(`:${index}`));
    const first = order.indexOf(mine[0]!);
    expect(order.slice(first, first + mine.length)).toEqual(mine);
    expect(mine[0]).toBe(`content_block_start:${index}`);
    expect(mine.at(-1)).toBe(`content_block_stop:${index}`);
  }
});

it("repeats the input and cache counts in message_delta, so the SDK's final usage is real though message_start had none", async () => {
  const stream = client.messages.stream({ model: "fake/text-inside-call", max_tokens: 64, messages: [{ role: "user", content: "Weather?" }], tools });
  const raw: Anthropic.RawMessageStreamEvent[] = [];
  // Cloned: the SDK accumulates into message_start's own message object.
  stream.on("streamEvent", (event) => raw.push(structuredClone(event)));
  const message = await stream.finalMessage();

  const start = raw.find((event) => event.type === "message_start");
  const delta = raw.find((event) => event.type === "message_delta");
  expect(start?.type === "message_start" && start.message.usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });
  expect(delta?.type === "message_delta" && delta.usage).toMatchObject({ input_tokens: 24, cache_read_input_tokens: 16, cache_creation_input_tokens: 0, output_tokens: 12 });
  expect(message.usage).toMatchObject({ input_tokens: 24, cache_read_input_tokens: 16, cache_creation_input_tokens: 0, output_tokens: 12 });
});
