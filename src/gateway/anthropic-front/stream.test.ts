import { describe, expect, it } from "vitest";
import type { ChatChunk, ChunkDelta, FinishReason } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { Redactor } from "../../core/redact.js";
import { encodeBatches } from "../stream-encoder.js";
import { AnthropicStreamTranslator, anthropicSseEncoder } from "./stream.js";
import type { AnthropicStreamEvent, ReplyOptions } from "./types.js";

const options: ReplyOptions = { requestedModel: "smart", thinking: false, stopSequences: [] };

// Chunks shaped like OpenAI's documented stream, after the gateway's translation (usage only in the last chunk).
function chunk(delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk {
  return { id: "chatcmpl-123", object: "chat.completion.chunk", created: 1694268190, model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }] };
}
const usageChunk: ChatChunk = {
  id: "chatcmpl-123",
  object: "chat.completion.chunk",
  created: 1694268190,
  model: "gpt-4o-mini",
  choices: [],
  usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39, prompt_tokens_details: { cached_tokens: 10 } },
};

function run(chunks: ChatChunk[], replyOptions = options): AnthropicStreamEvent[] {
  const translator = new AnthropicStreamTranslator(replyOptions);
  return [...chunks.flatMap((c) => translator.push(c)), ...translator.finish()];
}

/** One block open at a time, indexes in order from 0, and no event for a block outside its start and stop. */
function expectSequentialBlocks(events: AnthropicStreamEvent[]): void {
  let open: number | undefined;
  let next = 0;
  for (const event of events) {
    if (event.type === "content_block_start") {
      expect(open).toBeUndefined();
      expect(event.index).toBe(next++);
      open = event.index;
    } else if (event.type === "content_block_delta") {
      expect(event.index).toBe(open);
    } else if (event.type === "content_block_stop") {
      expect(event.index).toBe(open);
      open = undefined;
    }
  }
  expect(open).toBeUndefined();
}

/** Each tool_use block's id → its concatenated partial_json. */
function toolInputs(events: AnthropicStreamEvent[]): Record<string, string> {
  const ids = new Map<number, string>();
  const inputs: Record<string, string> = {};
  for (const event of events) {
    if (event.type === "content_block_start" && event.content_block.type === "tool_use") {
      ids.set(event.index, event.content_block.id);
      inputs[event.content_block.id] = "";
    }
    if (event.type === "content_block_delta" && event.delta.type === "input_json_delta") inputs[ids.get(event.index)!] += event.delta.partial_json;
  }
  return inputs;
}

describe("AnthropicStreamTranslator", () => {
  it("emits Anthropic's event order for a text answer", () => {
    const events = run([chunk({ role: "assistant", content: "" }), chunk({ content: "Hel" }), chunk({ content: "lo" }), chunk({}, "stop"), usageChunk]);
    expect(events).toEqual([
      {
        type: "message_start",
        message: {
          id: "msg_123",
          type: "message",
          role: "assistant",
          model: "gpt-4o-mini",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        },
      },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "lo" } },
      { type: "content_block_stop", index: 0 },
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { input_tokens: 20, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 10 },
      },
      { type: "message_stop" },
    ]);
  });

  it("closes the text block before each tool_use block and streams arguments as input_json_delta", () => {
    const events = run([
      chunk({ role: "assistant", content: "Checking." }),
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
      usageChunk,
    ]);
    expect(events.map((e) => `${e.type}${"index" in e ? `:${e.index}` : ""}`)).toEqual([
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
    expect(events[4]).toEqual({ type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "call_1", name: "get_weather", input: {} } });
    expect(events[6]).toEqual({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '"Paris"}' } });
    expect(events.at(-2)).toMatchObject({ delta: { stop_reason: "tool_use" } });
  });

  it("keeps blocks sequential when the host interleaves two calls' argument fragments by index", () => {
    const events = run([
      chunk({ role: "assistant", content: "Checking." }),
      chunk({ tool_calls: [{ index: 0, id: "call_A", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 1, id: "call_B", type: "function", function: { name: "get_time", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"tz":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] }),
      chunk({}, "tool_calls"),
      usageChunk,
    ]);
    // The first call streams live; the second is held until the first's arguments are whole, then streams live too.
    expect(events.slice(1, -2)).toEqual([
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking." } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "call_A", name: "get_weather", input: {} } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"city":' } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '"Paris"}' } },
      { type: "content_block_stop", index: 1 },
      { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "call_B", name: "get_time", input: {} } },
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"tz":' } },
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '"CET"}' } },
      { type: "content_block_stop", index: 2 },
    ]);
    expect(events.at(-2)).toMatchObject({ type: "message_delta", delta: { stop_reason: "tool_use" } });
    expectSequentialBlocks(events);
    expect(toolInputs(events)).toEqual({ call_A: '{"city":"Paris"}', call_B: '{"tz":"CET"}' });
  });

  it("holds calls whose first call never completes until the finish, and keeps every fragment", () => {
    const call = (index: number, fn: Record<string, string>, id?: string) => chunk({ tool_calls: [{ index, ...(id ? { id, type: "function" as const } : {}), function: fn }] });
    const events = run([
      call(0, { name: "a", arguments: '{"x":' }, "call_a"),
      call(1, { name: "b", arguments: '{"y":1' }, "call_b"),
      call(2, { name: "c", arguments: "" }, "call_c"),
      call(2, { arguments: '{"z":3}' }),
      call(1, { arguments: "}" }),
      call(0, { arguments: "[1," }),
      call(0, { arguments: "2]" }), // never a whole object: the host's fault, still sent as received
      chunk({}, "tool_calls"),
    ]);
    expectSequentialBlocks(events);
    expect(events.filter((e) => e.type === "content_block_start").map((e) => e.type === "content_block_start" && e.content_block)).toEqual([
      { type: "tool_use", id: "call_a", name: "a", input: {} },
      { type: "tool_use", id: "call_b", name: "b", input: {} },
      { type: "tool_use", id: "call_c", name: "c", input: {} },
    ]);
    expect(toolInputs(events)).toEqual({ call_a: '{"x":[1,2]', call_b: '{"y":1}', call_c: '{"z":3}' });
  });

  it("gives every interleaving of two calls sequential blocks with whole arguments", () => {
    const a = ['{"city"', ':"Par', 'is"}'].map((text) => ({ index: 0, text }));
    const b = ['{"tz":', '"CET"}'].map((text) => ({ index: 1, text }));
    const merges = (x: typeof a, y: typeof a): (typeof a)[] =>
      x.length === 0 ? [y] : y.length === 0 ? [x] : [...merges(x.slice(1), y).map((m) => [x[0]!, ...m]), ...merges(x, y.slice(1)).map((m) => [y[0]!, ...m])];
    const orders = merges(a, b);
    expect(orders).toHaveLength(10);
    for (const order of orders) {
      const events = run([
        chunk({ tool_calls: [{ index: 0, id: "call_A", type: "function", function: { name: "get_weather", arguments: "" } }] }),
        chunk({ tool_calls: [{ index: 1, id: "call_B", type: "function", function: { name: "get_time", arguments: "" } }] }),
        ...order.map(({ index, text }) => chunk({ tool_calls: [{ index, function: { arguments: text } }] })),
        chunk({}, "tool_calls"),
      ]);
      expectSequentialBlocks(events);
      expect(toolInputs(events)).toEqual({ call_A: '{"city":"Paris"}', call_B: '{"tz":"CET"}' });
    }
  });

  it("streams interleaved calls in one chunk's tool_calls array the same way", () => {
    const events = run([
      chunk({ tool_calls: [
        { index: 0, id: "call_A", type: "function", function: { name: "a", arguments: '{"p":' } },
        { index: 1, id: "call_B", type: "function", function: { name: "b", arguments: '{"q":' } },
      ] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: "2}" } }, { index: 0, function: { arguments: "1}" } }] }),
      chunk({}, "tool_calls"),
    ]);
    expectSequentialBlocks(events);
    expect(toolInputs(events)).toEqual({ call_A: '{"p":1}', call_B: '{"q":2}' });
  });

  it("streams reasoning as a thinking block when thinking is enabled, and drops it otherwise", () => {
    const chunks = [chunk({ reasoning_content: "Hmm" }), chunk({ content: "Yes" }), chunk({}, "stop")];
    expect(run(chunks, { ...options, thinking: true }).slice(1, 6)).toEqual([
      { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Hmm" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Yes" } },
    ]);
    expect(run(chunks).filter((e) => e.type === "content_block_start")).toHaveLength(1);
  });

  it("maps length to max_tokens and a refusal to refusal", () => {
    expect(run([chunk({ content: "a" }, "length")]).at(-2)).toMatchObject({ delta: { stop_reason: "max_tokens" } });
    expect(run([chunk({ refusal: "No." }, "stop")]).at(-2)).toMatchObject({ delta: { stop_reason: "refusal" } });
  });

  it("still frames a message when no chunk arrived", () => {
    expect(run([]).map((e) => e.type)).toEqual(["message_start", "message_delta", "message_stop"]);
  });
});

async function collect(source: AsyncIterable<string>): Promise<string> {
  let out = "";
  for await (const piece of source) out += piece;
  return out;
}

describe("anthropicSseEncoder", () => {
  const redactor = new Redactor();
  redactor.add("sk-secret-upstream-key");

  it("writes each event as `event: <type>` and `data: <json>`", async () => {
    async function* chunks() {
      yield [chunk({ content: "Hi" }, "stop")];
    }
    const text = await collect(encodeBatches(chunks(), anthropicSseEncoder(options, redactor, "req_1")));
    expect(text.startsWith('event: message_start\ndata: {"type":"message_start"')).toBe(true);
    expect(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    expect(text.split("\n\n").filter(Boolean)).toHaveLength(6);
  });

  it("ends a failing stream with an error event and no message_stop", async () => {
    async function* chunks(): AsyncGenerator<ChatChunk[]> {
      yield [chunk({ content: "Hi" })];
      throw new GatewayError("upstream_unavailable", "Provider 'x' failed with key sk-secret-upstream-key");
    }
    const text = await collect(encodeBatches(chunks(), anthropicSseEncoder(options, redactor, "req_1")));
    const last = text.trim().split("\n\n").at(-1)!;
    expect(last.split("\n")[0]).toBe("event: error");
    const body = JSON.parse(last.split("\n")[1]!.slice("data: ".length));
    expect(body).toEqual({ type: "error", error: { type: "overloaded_error", message: "Provider 'x' failed with key [REDACTED]" }, request_id: "req_1" });
    expect(text).not.toContain("message_stop");
  });

  it("reports other failures as api_error and says nothing to a client that left", async () => {
    async function* failing(error: Error): AsyncGenerator<ChatChunk[]> {
      yield [chunk({ content: "Hi" })];
      throw error;
    }
    expect(await collect(encodeBatches(failing(new Error("boom")), anthropicSseEncoder(options, redactor, "r")))).toContain('"type":"api_error","message":"Internal gateway error"');
    const closed = await collect(encodeBatches(failing(new GatewayError("client_closed", "gone")), anthropicSseEncoder(options, redactor, "r")));
    expect(closed).not.toContain("event: error");
  });
});

describe("AnthropicStreamTranslator, from chunks with odd fields", () => {
  it("never throws: odd choices, deltas and tool calls are passed over, and the message still stops", () => {
    const odd = [
      { id: 5, model: 7, choices: [null, 3] },
      { id: "c", choices: [{ index: 0, delta: 5 }] },
      { id: "c", choices: [{ index: 0, delta: { tool_calls: true } }] },
      { id: "c", choices: [{ index: 0, delta: { content: "ok", tool_calls: [null, { index: 0, id: 1, function: { name: 2, arguments: 3 } }] } }] },
      { id: "c", choices: "none", usage: "lots" },
      { id: "c", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
    ] as unknown as ChatChunk[];
    const events = run(odd);
    expect(events[0]).toMatchObject({ type: "message_start", message: { model: "smart" } });
    expect(events).toContainEqual({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "ok" } });
    expect(events).toContainEqual({ type: "content_block_start", index: 1, content_block: { type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "", input: {} } });
    expect(events.at(-2)).toMatchObject({ type: "message_delta", delta: { stop_reason: "tool_use" } });
    expect(events.at(-1)).toEqual({ type: "message_stop" });
  });
});
