/**
 * Block order for streams whose content an OpenAI-shaped host interleaves:
 * parallel calls' fragments by index, calls announced without arguments, and
 * text between one call's fragments. Anthropic's blocks cannot interleave.
 */
import { describe, expect, it } from "vitest";
import type { ChatChunk } from "../../core/chat.js";
import { AnthropicStreamTranslator } from "./stream.js";
import type { AnthropicStreamEvent } from "./types.js";
import { chunk, options, run, usageChunk } from "../../../test/helpers/anthropic-stream-chunks.js";

/** The events each chunk produced when it was pushed (the finish's last): what reaches the client at that moment. */
function runLive(chunks: ChatChunk[], replyOptions = options): AnthropicStreamEvent[][] {
  const translator = new AnthropicStreamTranslator(replyOptions);
  return [...chunks.map((c) => translator.push(c)), translator.finish()];
}

const announce = (index: number, id: string, name: string, args = "") => chunk({ tool_calls: [{ index, id, type: "function", function: { name, arguments: args } }] });
const fragment = (index: number, args: string) => chunk({ tool_calls: [{ index, function: { arguments: args } }] });

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


/** Each text block's whole text, in block order. */
function texts(events: AnthropicStreamEvent[]): string[] {
  const byIndex = new Map<number, string>();
  for (const event of events) {
    if (event.type === "content_block_start" && event.content_block.type === "text") byIndex.set(event.index, "");
    if (event.type === "content_block_delta" && event.delta.type === "text_delta") byIndex.set(event.index, byIndex.get(event.index)! + event.delta.text);
  }
  return [...byIndex.values()];
}

/** Block starts as `type:id` (tool) or `type`, in order. */
function starts(events: AnthropicStreamEvent[]): string[] {
  return events.flatMap((e) => (e.type === "content_block_start" ? [e.content_block.type === "tool_use" ? `tool_use:${e.content_block.id}` : e.content_block.type] : []));
}

describe("AnthropicStreamTranslator, interleaved content", () => {
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


  it("streams a call's fragments as they arrive when an earlier call gets no arguments at all", () => {
    const live = runLive([
      announce(0, "call_A", "list_files"),
      announce(1, "call_B", "get_time"),
      fragment(1, '{"tz":'),
      fragment(1, '"CET"}'),
      chunk({}, "tool_calls"),
      usageChunk,
    ]);
    // B's block starts with its first fragment, not at the finish behind A's empty one.
    expect(live[2]).toEqual([
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "call_B", name: "get_time", input: {} } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"tz":' } },
    ]);
    expect(live[3]).toEqual([{ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '"CET"}' } }]);
    const events = live.flat();
    expectSequentialBlocks(events);
    // A, which never got arguments, still has its block: a no-argument call.
    expect(starts(events)).toEqual(["tool_use:call_B", "tool_use:call_A"]);
    expect(toolInputs(events)).toEqual({ call_A: "", call_B: '{"tz":"CET"}' });
    expect(events.at(-2)).toMatchObject({ type: "message_delta", delta: { stop_reason: "tool_use" } });
  });

  it("streams a later call live when an earlier call's {} arrives late, then gives the earlier call its block", () => {
    const live = runLive([
      announce(0, "call_A", "list_files"),
      announce(1, "call_B", "get_time", '{"tz":'),
      fragment(1, '"CET"}'),
      fragment(0, "{}"),
      chunk({}, "tool_calls"),
    ]);
    expect(live[1]).toEqual([
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "call_B", name: "get_time", input: {} } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"tz":' } },
    ]);
    expect(live[2]).toEqual([{ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '"CET"}' } }]);
    expect(live[3]).toEqual([
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "call_A", name: "list_files", input: {} } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{}" } },
    ]);
    expectSequentialBlocks(live.flat());
    expect(toolInputs(live.flat())).toEqual({ call_A: "{}", call_B: '{"tz":"CET"}' });
  });

  it("holds text that arrives inside an open call until the call's arguments are whole, then streams it", () => {
    const live = runLive([
      chunk({ role: "assistant", content: "" }),
      announce(0, "call_A", "get_weather", '{"city":'),
      chunk({ content: "Let me" }),
      fragment(0, '"Paris"}'),
      chunk({ content: " check." }),
      chunk({}, "tool_calls"),
    ]);
    expect(live[2]).toEqual([]);
    // The call's last fragment still reaches its own block; the held text follows in a block of its own.
    expect(live[3]).toEqual([
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '"Paris"}' } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Let me" } },
    ]);
    expect(live[4]).toEqual([{ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: " check." } }]);
    const events = live.flat();
    expectSequentialBlocks(events);
    expect(toolInputs(events)).toEqual({ call_A: '{"city":"Paris"}' });
    expect(texts(events)).toEqual(["Let me check."]);
  });

  it("keeps arrival order for text and calls that waited behind an open call", () => {
    const events = run([
      chunk({ content: "First." }),
      announce(0, "call_A", "a", '{"x":'),
      chunk({ content: "Then" }),
      announce(1, "call_B", "b", '{"y":2}'),
      chunk({ content: " more." }),
      fragment(0, "1}"),
      chunk({}, "tool_calls"),
    ]);
    expectSequentialBlocks(events);
    expect(starts(events)).toEqual(["text", "tool_use:call_A", "text", "tool_use:call_B", "text"]);
    expect(texts(events)).toEqual(["First.", "Then", " more."]);
    expect(toolInputs(events)).toEqual({ call_A: '{"x":1}', call_B: '{"y":2}' });
  });

  it("holds reasoning inside an open call the same way, and gives it back at the finish if the call never completes", () => {
    const events = run([announce(0, "call_A", "a", '{"x":'), chunk({ reasoning_content: "Hmm" }), fragment(0, "1"), chunk({}, "length")], { ...options, thinking: true });
    expectSequentialBlocks(events);
    expect(starts(events)).toEqual(["tool_use:call_A", "thinking"]);
    expect(toolInputs(events)).toEqual({ call_A: '{"x":1' });
    expect(events).toContainEqual({ type: "content_block_delta", index: 1, delta: { type: "thinking_delta", thinking: "Hmm" } });
  });
});
