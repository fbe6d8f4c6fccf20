import { describe, expect, it } from "vitest";
import type { ChatChunk } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { Redactor } from "../../core/redact.js";
import { encodeBatches } from "../stream-encoder.js";
import { anthropicSseEncoder } from "./stream.js";
import { chunk, options, run, usageChunk } from "../../../test/helpers/anthropic-stream-chunks.js";

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
