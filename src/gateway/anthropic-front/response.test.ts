import { describe, expect, it } from "vitest";
import type { ChatChoice, ChatCompletion, FinishReason } from "../../core/chat.js";
import { toAnthropicMessage, toolInput } from "./response.js";
import type { ReplyOptions } from "./types.js";

const options: ReplyOptions = { requestedModel: "smart", thinking: false, stopSequences: [] };

// Shaped like OpenAI's documented chat completion, as completeChat returns it.
function completion(message: Partial<ChatChoice["message"]>, finish: FinishReason | null = "stop", extra: Record<string, unknown> = {}): ChatCompletion {
  return {
    id: "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
    object: "chat.completion",
    created: 1741569952,
    model: "gpt-4o-2024-08-06",
    choices: [{ index: 0, message: { role: "assistant", content: null, refusal: null, ...message }, finish_reason: finish, logprobs: null, ...extra }],
    usage: {
      prompt_tokens: 2100,
      completion_tokens: 42,
      total_tokens: 2142,
      prompt_tokens_details: { cached_tokens: 2048 },
      completion_tokens_details: { reasoning_tokens: 0 },
      cost: 0.00123,
    },
  };
}

describe("toAnthropicMessage", () => {
  it("translates a text answer with usage split the Anthropic way", () => {
    expect(toAnthropicMessage(completion({ content: "Hello!" }), options)).toEqual({
      id: "msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT",
      type: "message",
      role: "assistant",
      model: "gpt-4o-2024-08-06",
      content: [{ type: "text", text: "Hello!" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 52, output_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 2048, cost: 0.00123 },
    });
  });

  it("excludes cache writes from input_tokens too", () => {
    const done = completion({ content: "x" });
    done.usage!.prompt_tokens_details = { cached_tokens: 100, cache_write_tokens: 500 };
    expect(toAnthropicMessage(done, options).usage).toMatchObject({ input_tokens: 1500, cache_creation_input_tokens: 500, cache_read_input_tokens: 100 });
  });

  it("translates tool calls into tool_use blocks after the text", () => {
    const message = toAnthropicMessage(
      completion(
        {
          content: "Let me check.",
          tool_calls: [
            { id: "call_abc", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call.def/1", type: "function", function: { name: "get_time", arguments: "" } },
          ],
        },
        "tool_calls",
      ),
      options,
    );
    expect(message.content).toEqual([
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: "call_abc", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_def_1", name: "get_time", input: {} },
    ]);
    expect(message.stop_reason).toBe("tool_use");
  });

  it("says tool_use when a host ends a tool-calling turn with 'stop'", () => {
    const done = completion({ tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] }, "stop");
    expect(toAnthropicMessage(done, options).stop_reason).toBe("tool_use");
  });

  it("maps finish reasons", () => {
    const cases: Array<[FinishReason | null, string]> = [
      ["stop", "end_turn"],
      ["length", "max_tokens"],
      ["tool_calls", "tool_use"],
      ["content_filter", "refusal"],
      [null, "end_turn"],
    ];
    for (const [finish, stop] of cases) expect(toAnthropicMessage(completion({ content: "x" }, finish), options).stop_reason).toBe(stop);
  });

  it("reports the stop sequence when the host names it (vLLM's choice.stop_reason)", () => {
    const done = completion({ content: "1, 2, 3" }, "stop", { stop_reason: "\n\n" });
    expect(toAnthropicMessage(done, { ...options, stopSequences: ["\n\n"] })).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "\n\n" });
    expect(toAnthropicMessage(done, options)).toMatchObject({ stop_reason: "end_turn", stop_sequence: null });
  });

  it("returns reasoning as a thinking block only when the client enabled thinking", () => {
    const done = completion({ content: "42", reasoning_content: "6 times 7" });
    expect(toAnthropicMessage(done, options).content).toEqual([{ type: "text", text: "42" }]);
    expect(toAnthropicMessage(done, { ...options, thinking: true }).content).toEqual([
      { type: "thinking", thinking: "6 times 7", signature: "" },
      { type: "text", text: "42" },
    ]);
  });

  it("turns an OpenAI refusal into refusal text", () => {
    const message = toAnthropicMessage(completion({ content: null, refusal: "I can't help with that." }), options);
    expect(message.content).toEqual([{ type: "text", text: "I can't help with that." }]);
    expect(message.stop_reason).toBe("refusal");
  });

  it("answers an empty completion with empty content and zero usage", () => {
    const done: ChatCompletion = { id: "", object: "chat.completion", created: 0, model: "", choices: [] };
    const message = toAnthropicMessage(done, options);
    expect(message.id).toMatch(/^msg_[A-Za-z0-9_-]+$/);
    expect(message).toMatchObject({ model: "smart", content: [], stop_reason: "end_turn" });
    expect(message.usage).toEqual({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });
});

describe("toolInput", () => {
  it("parses objects, unwraps double-encoded JSON and falls back to {}", () => {
    expect(toolInput('{"a":1}')).toEqual({ a: 1 });
    expect(toolInput(JSON.stringify('{"a":1}'))).toEqual({ a: 1 });
    expect(toolInput("")).toEqual({});
    expect(toolInput("  ")).toEqual({});
    expect(toolInput('{"a":')).toEqual({});
    expect(toolInput("[1,2]")).toEqual({});
    expect(toolInput("null")).toEqual({});
  });
});

describe("toAnthropicMessage, from an answer with odd fields", () => {
  it("never throws: ids and model fall back, unreadable tool calls are left out", () => {
    const odd = completion({ content: "hi", tool_calls: [null, { id: 5, type: "function", function: "f" }, { id: 7, type: "function", function: { name: 3, arguments: 9 } }] as never });
    Object.assign(odd, { id: true, model: 42 });
    const message = toAnthropicMessage(odd, options);
    expect(message.id).toMatch(/^msg_[A-Za-z0-9_-]+$/);
    expect(message.model).toBe("smart");
    expect(message.content).toEqual([
      { type: "text", text: "hi" },
      { type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "", input: {} },
    ]);
    expect(toAnthropicMessage(completion({ content: "hi", tool_calls: "x" as never }), options).content).toEqual([{ type: "text", text: "hi" }]);
  });
});
