import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateOpenAI } from "../../../test/helpers/openapi.js";
import { GatewayError } from "../../core/errors.js";
import type { CallContext } from "../adapter.js";
import { toolCallId, translateResponse } from "./response.js";

const context: CallContext = { model: "gemini-2.5-flash", apiKey: "test-key" };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

function translate(name: string) {
  const result = translateResponse(fixture(name), context, "gemini");
  validateOpenAI("CreateChatCompletionResponse", result.completion);
  return result;
}

describe("translateResponse", () => {
  it("translates a text answer", () => {
    const { completion, usage, finishReason } = translate("gemini-text.json");
    expect(completion.id).toBe("chatcmpl-mJvMaLzSNuOm1e8PwPfDsA4");
    expect(completion.model).toBe("gemini-2.5-flash");
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: "Why did the scarecrow win an award? Because he was outstanding in his field.", refusal: null },
        logprobs: null,
        finish_reason: "stop",
      },
    ]);
    expect(finishReason).toEqual({ unified: "stop", raw: "STOP" });
    expect(usage).toEqual({ input: { total: 8, cacheRead: 0, cacheWrite: 0 }, output: { total: 17, reasoning: 0 } });
    expect(completion.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 17, total_tokens: 25 });
  });

  it("turns parallel function calls into tool calls with stable ids", () => {
    const { completion, finishReason } = translate("gemini-tool-calls.json");
    const message = completion.choices[0]!.message;
    expect(message.content).toBe("I'll check both cities.");
    expect(message.tool_calls).toEqual([
      { id: toolCallId("q6bMaKj3Ge2Y1e8PqJ2KkQc", 0, 0), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
      { id: toolCallId("q6bMaKj3Ge2Y1e8PqJ2KkQc", 0, 1), type: "function", function: { name: "get_weather", arguments: '{"city":"London","unit":"celsius"}' } },
    ]);
    expect(message.tool_calls![0]!.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(new Set(message.tool_calls!.map((call) => call.id)).size).toBe(2);
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(finishReason).toEqual({ unified: "tool_calls", raw: "STOP" });
    // Same response, same ids: a retried parse does not change them.
    expect(translateResponse(fixture("gemini-tool-calls.json"), context, "gemini").completion.choices[0]!.message.tool_calls).toEqual(message.tool_calls);
  });

  it("uses functionCall.id when Gemini sends one", () => {
    const body = {
      candidates: [{ content: { role: "model", parts: [{ functionCall: { id: "fc-123", name: "lookup", args: {} } }] }, finishReason: "STOP", index: 0 }],
    };
    const { completion } = translateResponse(body, context, "gemini");
    validateOpenAI("CreateChatCompletionResponse", completion);
    expect(completion.choices[0]!.message.tool_calls).toEqual([{ id: "fc-123", type: "function", function: { name: "lookup", arguments: "{}" } }]);
    expect(completion.id).toMatch(/^chatcmpl-.+/);
  });

  it("separates thoughts into reasoning_content and prices cached, tool-use and thought tokens", () => {
    const { completion, usage } = translate("gemini-thoughts-cached.json");
    const message = completion.choices[0]!.message;
    expect(message.content).toBe('There are **3** "r"s in strawberry.');
    expect(message.reasoning_content).toContain("I need to count the r's");
    expect(usage).toEqual({ input: { total: 2162, cacheRead: 2048, cacheWrite: 0 }, output: { total: 311, reasoning: 282 } });
    expect(completion.usage).toMatchObject({
      prompt_tokens: 2162,
      completion_tokens: 311,
      total_tokens: 2473,
      prompt_tokens_details: { cached_tokens: 2048 },
      completion_tokens_details: { reasoning_tokens: 282 },
    });
  });

  it("maps MAX_TOKENS to length and SAFETY to content_filter", () => {
    const truncated = translate("gemini-max-tokens.json");
    expect(truncated.completion.choices[0]!.finish_reason).toBe("length");
    expect(truncated.finishReason).toEqual({ unified: "length", raw: "MAX_TOKENS" });
    const filtered = translate("gemini-safety.json");
    expect(filtered.completion.choices[0]!.finish_reason).toBe("content_filter");
    expect(filtered.completion.choices[0]!.message.content).toBe("Here is an overview of the chemistry involved:");
    expect(filtered.finishReason).toEqual({ unified: "content_filter", raw: "SAFETY" });
  });

  it("answers a blocked prompt with an empty content_filter choice and keeps the prompt usage", () => {
    const { completion, usage, finishReason } = translate("gemini-blocked-prompt.json");
    expect(completion.choices).toEqual([
      { index: 0, message: { role: "assistant", content: null, refusal: null }, logprobs: null, finish_reason: "content_filter" },
    ]);
    expect(finishReason).toEqual({ unified: "content_filter", raw: "PROMPT_BLOCKED:PROHIBITED_CONTENT" });
    expect(usage).toEqual({ input: { total: 9, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, reasoning: 0 } });
  });

  it("maps several candidates to choices and keeps tool-call failures after text as stop with the raw reason", () => {
    const body = {
      candidates: [
        { content: { role: "model", parts: [{ text: "B" }] }, finishReason: "MALFORMED_FUNCTION_CALL", index: 1 },
        { content: { role: "model", parts: [{ text: "A" }] }, finishReason: "STOP", index: 0 },
      ],
      responseId: "multi",
    };
    const { completion, finishReason } = translateResponse(body, context, "gemini");
    validateOpenAI("CreateChatCompletionResponse", completion);
    expect(completion.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason])).toEqual([
      [0, "A", "stop"],
      [1, "B", "stop"],
    ]);
    expect(finishReason).toEqual({ unified: "stop", raw: "STOP" });
  });

  it("treats a tool-call failure with nothing else to show as a failed attempt (retried, then failed over)", () => {
    for (const raw of ["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS"]) {
      expect(() => translateResponse({ candidates: [{ finishReason: raw }] }, context, "gemini")).toThrow(
        expect.objectContaining({ kind: "upstream_error", code: "tool_call_failed", message: expect.stringContaining(raw) }),
      );
    }
  });

  it("treats a body that is not a response as the upstream's failure", () => {
    for (const body of [null, [], { candidates: "nope" }, {}]) {
      const error = (() => {
        try {
          translateResponse(body, context, "gemini");
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).kind).toBe("upstream_error");
    }
  });
});
