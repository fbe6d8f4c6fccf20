import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateOpenAI } from "../../../test/helpers/openapi.js";
import { GatewayError } from "../../core/errors.js";
import { toChatResult } from "./response.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const context = { provider: "anthropic", model: "claude-sonnet-4-5", now: NOW };

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/anthropic-${name}.json`, import.meta.url), "utf8"));
}

function translate(body: unknown) {
  const result = toChatResult(body, context);
  validateOpenAI("CreateChatCompletionResponse", result.completion);
  return result;
}

const message = (extra: Record<string, unknown>) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5-20250929",
  content: [{ type: "text", text: "ok" }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 2 },
  ...extra,
});

describe("toChatResult", () => {
  it("text: one choice with joined text, refusal null, logprobs null", () => {
    const { completion, usage, finishReason } = translate(fixture("text"));
    expect(completion).toEqual({
      id: "msg_01XFDUDYJgAACzvnptvVoYEL",
      object: "chat.completion",
      created: NOW / 1000,
      model: "claude-sonnet-4-5-20250929",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello! How can I help you today?", refusal: null },
          finish_reason: "stop",
          logprobs: null,
        },
      ],
    });
    expect(usage).toEqual({ input: { total: 25, cacheRead: 0, cacheWrite: 0 }, output: { total: 12, reasoning: 0 } });
    expect(finishReason).toEqual({ unified: "stop", raw: "end_turn" });
  });

  it("parallel tool_use blocks become tool_calls with JSON-string arguments", () => {
    const { completion, finishReason } = translate(fixture("tool-use-parallel"));
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(finishReason).toEqual({ unified: "tool_calls", raw: "tool_use" });
    expect(choice.message.content).toBe("I'll check the weather in both cities and the current time.");
    expect(choice.message.tool_calls).toEqual([
      { id: "toolu_01A09q90qw90lq917835lq9", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris, France","unit":"celsius"}' } },
      { id: "toolu_01B8d7f6e5c4b3a2z1y0x9w", type: "function", function: { name: "get_weather", arguments: '{"location":"Tokyo, Japan","unit":"celsius"}' } },
      { id: "toolu_01C1n2m3b4v5c6x7z8l9k0j", type: "function", function: { name: "get_time", arguments: "{}" } },
    ]);
  });

  it("content is null when there is no text (tool calls only)", () => {
    const { completion } = translate(message({ content: [{ type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } }], stop_reason: "tool_use" }));
    expect(completion.choices[0]!.message.content).toBeNull();
    expect(completion.choices[0]!.message.tool_calls).toHaveLength(1);
  });

  it("thinking becomes reasoning_content, and the signed block thinking_blocks; thinking tokens are reasoning tokens", () => {
    const { completion, usage } = translate(fixture("thinking"));
    const thinking = "Let me work through this. 27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.";
    expect(completion.choices[0]!.message.reasoning_content).toBe(thinking);
    // In the JSON the client gets, in the shape it sends back.
    expect(JSON.parse(JSON.stringify(completion)).choices[0].message.thinking_blocks).toEqual([
      { type: "thinking", thinking, signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds" },
    ]);
    expect(completion.choices[0]!.message.content).toBe("27 × 453 = **12,231**.");
    expect(usage?.output).toEqual({ total: 96, reasoning: 70 });
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["pause_turn", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    ["something_new", "stop"],
  ])("stop_reason %s → finish_reason %s, raw kept", (raw, unified) => {
    const { completion, finishReason } = translate(message({ stop_reason: raw }));
    expect(completion.choices[0]!.finish_reason).toBe(unified);
    expect(finishReason).toEqual({ unified, raw });
  });

  it("max_tokens fixture ends with length", () => {
    expect(translate(fixture("max-tokens")).finishReason).toEqual({ unified: "length", raw: "max_tokens" });
  });

  it("usage: input total adds cache reads and writes; both are kept apart", () => {
    expect(translate(fixture("cache-usage")).usage).toEqual({
      input: { total: 21 + 2048 + 1200, cacheRead: 2048, cacheWrite: 1200 },
      output: { total: 17, reasoning: 0 },
    });
  });

  it("thinking before a tool call: signed and redacted blocks in thinking_blocks, in their order", () => {
    const { completion } = translate(fixture("thinking-tool-use"));
    const message = completion.choices[0]!.message;
    expect(message.thinking_blocks).toEqual([
      { type: "thinking", thinking: message.reasoning_content, signature: expect.stringMatching(/^EuYB/) },
      { type: "redacted_thinking", data: expect.stringMatching(/^EmwK/) },
    ]);
    expect(message.tool_calls).toHaveLength(1);
  });

  it("thinking without a signature is reasoning_content only", () => {
    const { completion } = translate(message({ content: [{ type: "thinking", thinking: "Hmm." }, { type: "text", text: "ok" }] }));
    expect(completion.choices[0]!.message).toEqual({ role: "assistant", content: "ok", refusal: null, reasoning_content: "Hmm." });
  });

  it("skips server-tool blocks, keeps a redacted block for the client to return, and tolerates unknown fields", () => {
    const { completion } = translate(
      message({
        content: [
          { type: "redacted_thinking", data: "abc" },
          { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "x" } },
          { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
          { type: "text", text: "Found it.", citations: [{ type: "web_search_result_location" }] },
        ],
        container: null,
      }),
    );
    expect(completion.choices[0]!.message).toEqual({
      role: "assistant", content: "Found it.", refusal: null, thinking_blocks: [{ type: "redacted_thinking", data: "abc" }],
    });
  });

  it("falls back to the requested model when the answer names none; no usage gives undefined", () => {
    const { completion, usage } = translate(message({ model: undefined, usage: undefined }));
    expect(completion.model).toBe("claude-sonnet-4-5");
    expect(usage).toBeUndefined();
  });

  it("nonsense bodies are upstream errors; an error envelope keeps its kind", () => {
    for (const body of [null, "text", { id: "x" }, message({ content: [{ type: "text" }] }), message({ content: [{ type: "tool_use", id: 1 }] })]) {
      expect(() => toChatResult(body, context)).toThrow(GatewayError);
      try {
        toChatResult(body, context);
      } catch (error) {
        expect((error as GatewayError).kind).toBe("upstream_error");
      }
    }
    expect(() => toChatResult(fixture("error-overloaded"), context)).toThrow(expect.objectContaining({ kind: "upstream_unavailable" }));
  });
});
