import { describe, expect, it } from "vitest";
import type { ChatMessage, ChatRequest } from "../../core/chat.js";
import { defaultMaxTokens, FALLBACK_MAX_TOKENS } from "./max-tokens.js";
import { toAnthropicRequest } from "./request.js";
import { JSON_OBJECT_INSTRUCTION } from "./response-format.js";

const MODEL = "claude-sonnet-4-5";

function build(extra: Partial<ChatRequest> & { messages?: ChatMessage[] } = {}) {
  return toAnthropicRequest({ model: "smart", messages: [{ role: "user", content: "Hi" }], ...extra }, MODEL);
}

describe("toAnthropicRequest: parameters", () => {
  it("max_tokens: max_completion_tokens, then max_tokens, then the model's output limit", () => {
    expect(build({ max_completion_tokens: 100, max_tokens: 200 }).max_tokens).toBe(100);
    expect(build({ max_tokens: 200 }).max_tokens).toBe(200);
    expect(build({ max_tokens: null }).max_tokens).toBe(64_000);
  });

  it.each([
    ["claude-opus-4-1-20250805", 32_000],
    ["claude-opus-4-20250514", 32_000],
    ["claude-opus-4-5", 64_000],
    ["claude-opus-4-6", 128_000],
    ["claude-sonnet-4-20250514", 64_000],
    ["claude-sonnet-4-5-20250929", 64_000],
    ["claude-sonnet-4-6", 128_000],
    ["claude-haiku-4-5-20251001", 64_000],
    ["claude-haiku-5-5", 128_000],
    ["claude-opus-5", 128_000],
    ["claude-3-7-sonnet-latest", 64_000],
    ["claude-3-5-haiku-20241022", 8_192],
    ["claude-3-haiku-20240307", 4_096],
    ["some-fine-tune", FALLBACK_MAX_TOKENS],
  ])("default output limit of %s is %i", (model, limit) => {
    expect(defaultMaxTokens(model)).toBe(limit);
  });

  it("clamps temperature to 0–1, keeps top_p only without temperature, maps stop and user", () => {
    expect(build({ temperature: 1.7, top_p: 0.9, stop: "END", user: "user-42" })).toMatchObject({
      temperature: 1,
      stop_sequences: ["END"],
      metadata: { user_id: "user-42" },
    });
    expect(build({ temperature: 1.7, top_p: 0.9 }).top_p).toBeUndefined();
    expect(build({ top_p: 0.9 }).top_p).toBe(0.9);
    expect(build({ temperature: 0 }).temperature).toBe(0);
    // Anthropic rejects whitespace-only stop sequences.
    expect(build({ stop: ["\n\nHuman:", "\n", "###"] }).stop_sequences).toEqual(["\n\nHuman:", "###"]);
    expect(build({ stop: ["\n"] }).stop_sequences).toBeUndefined();
  });

  it("json_schema response_format becomes output_config.format (structured outputs)", () => {
    const schema = { type: "object", properties: { answer: { type: "number" } }, required: ["answer"], additionalProperties: false };
    const body = build({ response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } } });
    expect(body.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect(body.system).toBeUndefined();
    expect(body.tools).toBeUndefined();
    expect(body.tool_choice).toBeUndefined();
  });

  it("json_object response_format adds a system instruction; text adds nothing", () => {
    const withSystem = build({ messages: [{ role: "system", content: "Be terse." }, { role: "user", content: "Hi" }], response_format: { type: "json_object" } });
    expect(withSystem.system).toBe(`Be terse.\n\n${JSON_OBJECT_INSTRUCTION}`);
    expect(build({ response_format: { type: "json_object" } }).system).toBe(JSON_OBJECT_INSTRUCTION);
    expect(build({ response_format: { type: "text" } }).system).toBeUndefined();
  });

  it("passes Anthropic-native top_k, thinking and output_config through; drops OpenAI-only fields", () => {
    const body = build({
      top_k: 40,
      thinking: { type: "enabled", budget_tokens: 2048 },
      output_config: { effort: "low" },
      seed: 7,
      logprobs: true,
      presence_penalty: 0.5,
      reasoning_effort: "high",
      metadata: { trace: "x" },
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(body).toEqual({
      model: MODEL,
      max_tokens: 64_000,
      messages: [{ role: "user", content: "Hi" }],
      top_k: 40,
      thinking: { type: "enabled", budget_tokens: 2048 },
      output_config: { effort: "low" },
      stream: true,
    });
  });
});
