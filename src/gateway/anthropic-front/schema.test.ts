import { describe, expect, it } from "vitest";
import { GatewayError } from "../../core/errors.js";
import { parseAnthropicRequest } from "./schema.js";

const valid = { model: "smart", max_tokens: 256, messages: [{ role: "user", content: "Hi" }] };

function failure(body: unknown): GatewayError {
  try {
    parseAnthropicRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error("expected a validation error");
}

describe("parseAnthropicRequest", () => {
  it("accepts the documented request and keeps fields it does not interpret", () => {
    const body = {
      ...valid,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather?", cache_control: { type: "ephemeral", ttl: "1h" } }] },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: [{ type: "text", text: "Sunny" }] }] },
      ],
      tools: [{ name: "get_weather", input_schema: { type: "object" } }],
      tool_choice: { type: "auto", disable_parallel_tool_use: true },
      service_tier: "auto",
    };
    expect(parseAnthropicRequest(body)).toMatchObject({ service_tier: "auto", tool_choice: { type: "auto" } });
  });

  it("names a missing required field", () => {
    const error = failure({ model: "smart", messages: valid.messages });
    expect(error.status).toBe(400);
    expect(error.message).toBe("'max_tokens' is required");
    expect(error.param).toBe("max_tokens");
  });

  it("descends into content unions to the field that is wrong", () => {
    const error = failure({ ...valid, messages: [{ role: "user", content: [{ type: "text", text: 42 }] }] });
    expect(error.param).toBe("messages[0].content[0].text");
    expect(error.message).toMatch(/^Invalid 'messages\[0\]\.content\[0\]\.text': .*expected string/);
  });

  it("accepts blocks of types the translation does not read, for Anthropic to judge (native turns)", () => {
    const blocks = [{ type: "text", text: "a" }, { type: "search_result", source: "https://x", title: "X", content: [] }];
    expect(parseAnthropicRequest({ ...valid, messages: [{ role: "user", content: blocks }] }).messages[0]!.content).toEqual(blocks);
    // A known type is still checked field by field.
    expect(failure({ ...valid, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64" } }] }] }).param).toBe("messages[0].content[0].source.media_type");
  });

  it("reports a missing block type as required", () => {
    const error = failure({ ...valid, messages: [{ role: "user", content: [{ text: "a" }] }] });
    expect(error.message).toMatch(/^'messages\[0\]\.content\[0\]\.type' is required/);
  });

  it("checks nested sources", () => {
    const error = failure({ ...valid, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png" } }] }] });
    expect(error.param).toBe("messages[0].content[0].source.data");
  });

  it("points a system-role message to the top-level system field", () => {
    const error = failure({ ...valid, messages: [{ role: "system", content: "x" }] });
    expect(error.param).toBe("messages[0].role");
    expect(error.message).toContain("top-level 'system'");
  });

  it("uses Anthropic's ranges", () => {
    expect(failure({ ...valid, temperature: 1.5 }).param).toBe("temperature");
    expect(failure({ ...valid, max_tokens: 0 }).param).toBe("max_tokens");
    expect(failure({ ...valid, tool_choice: { type: "tool" } }).param).toBe("tool_choice.name");
  });

  it("rejects a body that is not an object", () => {
    expect(failure([valid]).message).toBe("Request body must be a JSON object");
  });
});
