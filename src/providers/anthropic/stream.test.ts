import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateOpenAI } from "../../../test/helpers/openapi.js";
import type { ChatChunk } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { replayStream } from "../../../test/helpers/translated.js";
import { OPAQUE_CONTENT } from "../../core/chunk-text.js";
import { ANTHROPIC_EVENTS } from "./native.js";
import { toChatResult } from "./response.js";
import { AnthropicStreamTranslator } from "./stream.js";
import { thinkingBlocksOf, type ThinkingBlock } from "./thinking-blocks.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const context = { provider: "anthropic", model: "claude-sonnet-4-5", now: NOW };

function fixtureText(file: string): string {
  return readFileSync(new URL(`./__fixtures__/anthropic-${file}`, import.meta.url), "utf8");
}

/** The wire text cut into `size`-byte pieces (splitting lines and UTF-8 sequences), as a socket would deliver it. */
async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

interface Replay {
  chunks: ChatChunk[];
  translator: AnthropicStreamTranslator;
  error?: unknown;
}

/** Feeds raw SSE text through the real framer and the translator, the way the gateway does. */
async function replay(text: string, size = 7, native = false): Promise<Replay> {
  const translator = new AnthropicStreamTranslator(context, native);
  const chunks: ChatChunk[] = [];
  try {
    await replayStream(translator, pieces(text, size), chunks);
  } catch (error) {
    return { chunks, translator, error };
  }
  return { chunks, translator };
}

/** What a client gets by concatenating the deltas. */
function assemble(chunks: ChatChunk[]) {
  let content = "";
  let reasoning = "";
  const thinkingBlocks: ThinkingBlock[] = [];
  const tools: Array<{ id?: string; name?: string; arguments: string }> = [];
  for (const chunk of chunks) {
    const delta = chunk.choices[0]!.delta;
    content += delta.content ?? "";
    reasoning += delta.reasoning_content ?? "";
    thinkingBlocks.push(...thinkingBlocksOf(delta.thinking_blocks));
    for (const call of delta.tool_calls ?? []) {
      const tool = (tools[call.index] ??= { arguments: "" });
      if (call.id) tool.id = call.id;
      if (call.function?.name) tool.name = call.function.name;
      tool.arguments += call.function?.arguments ?? "";
    }
  }
  return { content, reasoning, thinkingBlocks, tools };
}

/** Invariants every translated stream keeps. */
function checkShape(chunks: ChatChunk[], finished: boolean): void {
  for (const chunk of chunks) {
    validateOpenAI("CreateChatCompletionStreamResponse", chunk);
    expect(chunk.usage).toBeUndefined();
    expect(chunk.choices).toHaveLength(1);
  }
  expect(new Set(chunks.map((c) => `${c.id}|${c.created}|${c.model}`)).size).toBe(1);
  expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
  expect(chunks.filter((c) => c.choices[0]!.delta.role !== undefined)).toHaveLength(1);
  const finishes = chunks.filter((c) => c.choices[0]!.finish_reason !== null);
  expect(finishes).toHaveLength(finished ? 1 : 0);
  if (finished) {
    expect(chunks.at(-1)).toBe(finishes[0]);
    expect(finishes[0]!.choices[0]!.delta).toEqual({});
  }
}

const PAIRS = ["text", "tool-use-parallel", "thinking", "thinking-tool-use", "max-tokens", "cache-usage", "stop-sequence", "web-search"];

describe("AnthropicStreamTranslator on fixtures", () => {
  it("text: role chunk, content deltas, one finish chunk; ids from message_start", async () => {
    const { chunks, translator, error } = await replay(fixtureText("text.chunks.txt"));
    expect(error).toBeUndefined();
    checkShape(chunks, true);
    const base = { id: "msg_01StreamText0000000000", object: "chat.completion.chunk", created: NOW / 1000, model: "claude-sonnet-4-5-20250929" };
    const choice = (delta: object, finish_reason: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason, logprobs: null }] });
    expect(chunks).toEqual([
      choice({ role: "assistant", content: "" }),
      choice({ content: "Hello" }),
      choice({ content: "! How can I" }),
      choice({ content: " help you today?" }),
      choice({}, "stop"),
    ]);
    expect(translator.finishReason).toEqual({ unified: "stop", raw: "end_turn" });
    expect(translator.usage).toEqual({ input: { total: 25, cacheRead: 0, cacheWrite: 0 }, output: { total: 12, reasoning: 0 } });
  });

  it("parallel tool calls: indices count tool blocks only; id, type and name on the first delta", async () => {
    const { chunks, translator } = await replay(fixtureText("tool-use-parallel.chunks.txt"));
    checkShape(chunks, true);
    const toolDeltas = chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []);
    expect(toolDeltas.filter((d) => d.id !== undefined)).toEqual([
      { index: 0, id: "toolu_01A09q90qw90lq917835lq9", type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 1, id: "toolu_01B8d7f6e5c4b3a2z1y0x9w", type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 2, id: "toolu_01C1n2m3b4v5c6x7z8l9k0j", type: "function", function: { name: "get_time", arguments: "" } },
    ]);
    for (const delta of toolDeltas.filter((d) => d.id === undefined)) {
      expect(Object.keys(delta).sort()).toEqual(["function", "index"]);
      expect(delta.function!.arguments).not.toBe("");
    }
    // The tool without parameters streams no JSON; clients still get parseable arguments.
    expect(assemble(chunks).tools[2]!.arguments).toBe("{}");
    expect(translator.finishReason).toEqual({ unified: "tool_calls", raw: "tool_use" });
  });

  it("thinking: reasoning_content deltas, then the signed block whole, once, in JSON, before the text", async () => {
    const { chunks } = await replay(fixtureText("thinking.chunks.txt"));
    checkShape(chunks, true);
    expect(chunks[1]!.choices[0]!.delta).toEqual({ reasoning_content: "Let me work through this. 27 * 453 = 27 * 400 + 27 * 53" });
    const signed = chunks.filter((c) => JSON.stringify(c).includes("EqQBCgIY"));
    expect(signed).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(signed[0]!.choices[0]!.delta))).toEqual({
      thinking_blocks: [
        { type: "thinking", thinking: "Let me work through this. 27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds" },
      ],
    });
    const firstText = chunks.findIndex((c) => c.choices[0]!.delta.content);
    expect(chunks.indexOf(signed[0]!)).toBeLessThan(firstText);
  });

  it("thinking before a tool call: each block goes out at its stop, a redacted one as it came", async () => {
    const { chunks } = await replay(fixtureText("thinking-tool-use.chunks.txt"));
    checkShape(chunks, true);
    const carriers = chunks.filter((c) => c.choices[0]!.delta.thinking_blocks !== undefined);
    expect(carriers.map((c) => c.choices[0]!.delta)).toEqual([
      { thinking_blocks: [{ type: "thinking", thinking: expect.stringMatching(/^The user wants.*country\.$/), signature: expect.stringMatching(/^EuYB/) }] },
      { thinking_blocks: [{ type: "redacted_thinking", data: expect.stringMatching(/^EmwK/) }] },
    ]);
    const firstTool = chunks.findIndex((c) => c.choices[0]!.delta.tool_calls);
    expect(chunks.indexOf(carriers[1]!)).toBeLessThan(firstTool);
  });

  it("thinking that never got a signature is not offered back", () => {
    const translator = new AnthropicStreamTranslator(context);
    const events = [
      '{"type":"message_start","message":{"id":"msg_1","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm."}}',
      '{"type":"content_block_stop","index":0}',
    ];
    const chunks = events.flatMap((data) => translator.push({ data }));
    expect(chunks.map((c) => c.choices[0]!.delta)).toEqual([{ role: "assistant", content: "" }, { reasoning_content: "Hmm." }]);
  });

  it("max_tokens (CRLF framing): finish_reason length", async () => {
    const { chunks, translator } = await replay(fixtureText("max-tokens.chunks.txt"), 5);
    checkShape(chunks, true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("length");
    expect(translator.finishReason).toEqual({ unified: "length", raw: "max_tokens" });
  });

  it("usage with cache tokens: input from message_start, repeated cumulative counts never double", async () => {
    const { translator } = await replay(fixtureText("cache-usage.chunks.txt"));
    expect(translator.usage).toEqual({ input: { total: 21 + 2048 + 1200, cacheRead: 2048, cacheWrite: 1200 }, output: { total: 17, reasoning: 0 } });
  });

  it("a mid-stream error event throws upstream_unavailable for overload, after the chunks already sent", async () => {
    const { chunks, error } = await replay(fixtureText("mid-stream-error.chunks.txt"));
    checkShape(chunks, false);
    expect(assemble(chunks).content).toBe("Let me think about that");
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ kind: "upstream_unavailable", code: "overloaded_error", provider: "anthropic", retryable: true });
    expect((error as GatewayError).message).toMatch(/Overloaded/);
  });

  it("other error events are upstream_error", () => {
    const translator = new AnthropicStreamTranslator(context);
    const event = { event: "error", data: JSON.stringify({ type: "error", error: { type: "api_error", message: "Internal server error" } }) };
    expect(() => translator.push(event)).toThrow(expect.objectContaining({ kind: "upstream_error", code: "api_error" }));
  });

  it("a stream cut before message_stop makes end() throw upstream_error", async () => {
    const whole = fixtureText("text.chunks.txt");
    const cut = whole.slice(0, whole.indexOf("event: message_delta"));
    const { chunks, error } = await replay(cut);
    checkShape(chunks, false);
    expect(error).toMatchObject({ kind: "upstream_error" });
    // Cut after the finish chunk but before message_stop: still incomplete.
    const late = await replay(whole.slice(0, whole.indexOf("event: message_stop")));
    expect(late.error).toMatchObject({ kind: "upstream_error" });
  });

  it("ignores ping and unknown events, and anything after message_stop; rejects unparsable data", () => {
    const translator = new AnthropicStreamTranslator(context);
    expect(translator.push({ event: "ping", data: '{"type":"ping"}' })).toEqual([]);
    expect(translator.push({ event: "future_event", data: '{"type":"future_event","x":1}' })).toEqual([]);
    expect(() => translator.push({ event: "content_block_delta", data: "{not json" })).toThrow(expect.objectContaining({ kind: "upstream_error" }));
    expect(() => translator.push({ data: '{"type":"content_block_start","index":"zero"}' })).toThrow(expect.objectContaining({ kind: "upstream_error" }));
    const chunks = translator.push({ data: '{"type":"message_stop"}' });
    expect(chunks.map((c) => c.choices[0]!.finish_reason)).toEqual([null, "stop"]);
    expect(translator.finishReason).toEqual({ unified: "stop", raw: "unknown" });
    expect(translator.push({ data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"late"}}' })).toEqual([]);
    expect(translator.end()).toEqual([]);
  });
});

describe("property: streaming and non-streaming agree", () => {
  it.each(PAIRS.flatMap((name) => [1, 3, 7, 64, 1 << 20].map((size) => [name, size] as const)))(
    "%s in %i-byte pieces",
    async (name, size) => {
      const buffered = toChatResult(JSON.parse(fixtureText(`${name}.json`)), context);
      const { chunks, translator, error } = await replay(fixtureText(`${name}.chunks.txt`), size);
      expect(error).toBeUndefined();
      checkShape(chunks, true);
      const streamed = assemble(chunks);
      const message = buffered.completion.choices[0]!.message;
      expect(streamed.content).toBe(message.content ?? "");
      expect(streamed.reasoning).toBe(message.reasoning_content ?? "");
      expect(streamed.thinkingBlocks).toEqual(message.thinking_blocks ?? []);
      // Arguments are equal as JSON: Anthropic streams `{"a": 1}` and buffers `{"a":1}`.
      expect(streamed.tools.map((t) => ({ id: t.id, name: t.name, input: JSON.parse(t.arguments) }))).toEqual(
        (message.tool_calls ?? []).map((t) => ({ id: t.id, name: t.function.name, input: JSON.parse(t.function.arguments) })),
      );
      expect(translator.usage).toEqual(buffered.usage);
      expect(translator.finishReason).toEqual(buffered.finishReason);
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe(buffered.completion.choices[0]!.finish_reason);
    },
  );
});

describe("AnthropicStreamTranslator for native turns (native.ts)", () => {
  it.each([1, 7, 1 << 20])("every event's text rides out of band, once and in order (%i-byte pieces)", async (size) => {
    const text = fixtureText("web-search.chunks.txt");
    const { chunks, translator, error } = await replay(text, size, true);
    expect(error).toBeUndefined();
    expect(chunks.map((chunk) => chunk[ANTHROPIC_EVENTS] ?? "").join("")).toBe(text);
    // The canonical reading still holds the text, usage (searches included) and finish for the gateway.
    expect(assemble(chunks).content).toBe("I'll look up today's weather in Paris.Paris is sunny today with a high of 9 °C.");
    expect(translator.usage).toEqual({ input: { total: 6039, cacheRead: 0, cacheWrite: 0 }, output: { total: 93, reasoning: 0 }, webSearchRequests: 1 });
    expect(translator.finishReason).toEqual({ unified: "stop", raw: "end_turn" });
    // Out of band: serialized, the chunks are what they were.
    expect(JSON.stringify(chunks)).not.toContain("event:");
  });

  it("a thinking block's stop rides on the chunk returning the block; a redacted block's carriers are content", async () => {
    const text = fixtureText("thinking-tool-use.chunks.txt");
    const { chunks } = await replay(text, 7, true);
    expect(chunks.map((chunk) => chunk[ANTHROPIC_EVENTS] ?? "").join("")).toBe(text);
    const stop = (index: number) => chunks.find((chunk) => String(chunk[ANTHROPIC_EVENTS]).startsWith(`event: content_block_stop\ndata: {"type":"content_block_stop","index":${index}}`))!;
    expect(stop(0).choices[0]!.delta.thinking_blocks).toEqual([expect.objectContaining({ type: "thinking" })]);
    expect(stop(1).choices[0]!.delta.thinking_blocks).toEqual([expect.objectContaining({ type: "redacted_thinking" })]);
    const redactedStart = chunks.find((chunk) => String(chunk[ANTHROPIC_EVENTS]).includes('"content_block":{"type":"redacted_thinking"'))!;
    expect(redactedStart[OPAQUE_CONTENT]).toBe(true);
  });

  it("an event with no canonical form gets a carrier chunk, content only for a server tool's blocks", async () => {
    const { chunks } = await replay(fixtureText("web-search.chunks.txt"), 1 << 20, true);
    const carrier = (type: string) => chunks.find((chunk) => String(chunk[ANTHROPIC_EVENTS] ?? "").startsWith(`event: ${type}\n`))!;
    expect(carrier("ping").choices[0]!.delta).toEqual({});
    expect(carrier("ping")[OPAQUE_CONTENT]).toBeUndefined();
    // A text block's empty start is no content yet: a failure before its first text can still fail over.
    const textStart = chunks.find((chunk) => String(chunk[ANTHROPIC_EVENTS]).includes('"content_block":{"type":"text","text":""}'))!;
    expect(textStart[OPAQUE_CONTENT]).toBeUndefined();
    const results = chunks.filter((chunk) => String(chunk[ANTHROPIC_EVENTS]).includes('"index":2'));
    expect(results.map((chunk) => chunk[OPAQUE_CONTENT])).toEqual([true, true]);
    const serverTool = chunks.find((chunk) => String(chunk[ANTHROPIC_EVENTS]).includes('"server_tool_use"'))!;
    expect(serverTool.choices[0]!.delta).toEqual({});
    expect(serverTool[OPAQUE_CONTENT]).toBe(true);
  });

  it("without native, no event text is kept", async () => {
    const { chunks } = await replay(fixtureText("web-search.chunks.txt"));
    expect(chunks.some((chunk) => chunk[ANTHROPIC_EVENTS] !== undefined)).toBe(false);
  });
});
