import { describe, expect, it } from "vitest";
import type { ChatMessage, ChatRequest } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { toAnthropicRequest } from "./request.js";

const MODEL = "claude-sonnet-4-5";

function build(extra: Partial<ChatRequest> & { messages?: ChatMessage[] } = {}) {
  return toAnthropicRequest({ model: "smart", messages: [{ role: "user", content: "Hi" }], ...extra }, MODEL);
}

function rejects(extra: Partial<ChatRequest> & { messages?: ChatMessage[] }, param: string): void {
  let caught: unknown;
  try {
    build(extra);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(GatewayError);
  expect((caught as GatewayError).kind).toBe("bad_request");
  expect((caught as GatewayError).status).toBe(400);
  expect((caught as GatewayError).param).toBe(param);
}

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("toAnthropicRequest: tools", () => {
  it("translates tools; input_schema defaults to an object schema; strict is kept", () => {
    const body = build({
      tools: [
        weatherTool,
        { type: "function", function: { name: "get_time" } },
        { type: "function", function: { name: "lookup", parameters: { properties: { id: { type: "string" } } }, strict: true } },
      ],
    });
    expect(body.tools).toEqual([
      { name: "get_weather", description: "Current weather", input_schema: weatherTool.function.parameters },
      { name: "get_time", input_schema: { type: "object" } },
      { name: "lookup", input_schema: { type: "object", properties: { id: { type: "string" } } }, strict: true },
    ]);
    expect(body.tool_choice).toBeUndefined();
  });

  it.each([
    ["auto", undefined, { type: "auto" }],
    ["none", undefined, { type: "none" }],
    ["required", undefined, { type: "any" }],
    [{ type: "function", function: { name: "get_weather" } }, undefined, { type: "tool", name: "get_weather" }],
    [undefined, false, { type: "auto", disable_parallel_tool_use: true }],
    ["auto", false, { type: "auto", disable_parallel_tool_use: true }],
    ["required", false, { type: "any", disable_parallel_tool_use: true }],
    [{ type: "function", function: { name: "get_weather" } }, false, { type: "tool", name: "get_weather", disable_parallel_tool_use: true }],
    ["none", false, { type: "none" }],
    [undefined, true, undefined],
  ] as const)("tool_choice %j with parallel_tool_calls %j → %j", (choice, parallel, expected) => {
    const body = build({ tools: [weatherTool], tool_choice: choice as ChatRequest["tool_choice"], parallel_tool_calls: parallel });
    expect(body.tool_choice).toEqual(expected);
  });

  it("sends no tool_choice without tools, and rejects non-function tools", () => {
    expect(build({ tool_choice: "required" }).tool_choice).toBeUndefined();
    rejects({ tools: [{ type: "custom", function: undefined } as never] }, "tools[0].type");
  });

  it("turns tool_calls history into tool_use blocks and tool messages into one user turn of results first", () => {
    const body = build({
      messages: [
        { role: "user", content: "Weather in Paris and Tokyo?" },
        {
          role: "assistant",
          content: "Checking both.",
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "toolu_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } },
            { id: "toolu_3", type: "function", function: { name: "get_time", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "18°C" },
        { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: "24°C" }] },
        { role: "user", content: "Also, which is warmer?" },
        { role: "tool", tool_call_id: "toolu_3", content: "" },
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: "Weather in Paris and Tokyo?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking both." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Tokyo" } },
          { type: "tool_use", id: "toolu_3", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18°C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "24°C" }] },
          { type: "tool_result", tool_use_id: "toolu_3" },
          { type: "text", text: "Also, which is warmer?" },
        ],
      },
    ]);
  });

  it("makes tool-call ids other providers minted valid for Anthropic, the call and its result alike", () => {
    // Kimi K2 (Fireworks, Together, Groq, vLLM) names calls `functions.<name>:<n>`; Anthropic accepts only [A-Za-z0-9_-].
    const ids = ["functions.get_weather:0", "functions.get_weather.0", "call_ok-1"];
    const body = build({
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, tool_calls: ids.map((id) => ({ id, type: "function" as const, function: { name: "get_weather", arguments: "{}" } })) },
        ...ids.map((id) => ({ role: "tool" as const, tool_call_id: id, content: "18°C" })),
      ],
    });
    const [, assistant, results] = body.messages as Array<{ content: Array<{ id?: string; tool_use_id?: string }> }>;
    const sent = assistant!.content.map((block) => block.id!);
    for (const id of sent) expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sent[2]).toBe("call_ok-1");
    expect(new Set(sent).size).toBe(3);
    expect(results!.content.map((block) => block.tool_use_id)).toEqual(sent);
  });

  it("rejects invalid tool-call arguments and tool messages without an id, naming the param", () => {
    const call = (args: string) => ({
      messages: [
        { role: "user" as const, content: "x" },
        { role: "assistant" as const, content: null, tool_calls: [{ id: "t", type: "function" as const, function: { name: "f", arguments: args } }] },
      ],
    });
    rejects(call("{not json"), "messages[1].tool_calls[0].function.arguments");
    rejects(call("[1,2]"), "messages[1].tool_calls[0].function.arguments");
    rejects({ messages: [{ role: "user", content: "x" }, { role: "tool", content: "r" }] }, "messages[1].tool_call_id");
  });
});
