import { describe, expect, it } from "vitest";
import type { ChatMessage, ChatRequest } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { PLACEHOLDER_USER_TURN } from "../placeholder-turn.js";
import { BLOCK_ORDER, CACHE_PARTS } from "./messages.js";
import { setOutOfBand } from "./out-of-band.js";
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

describe("toAnthropicRequest: messages", () => {
  it("sends the upstream model, the default max_tokens and a plain user turn", () => {
    expect(build()).toEqual({ model: MODEL, max_tokens: 64_000, messages: [{ role: "user", content: "Hi" }] });
  });

  it("hoists system and developer messages, wherever they are, into one system string", () => {
    const body = build({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "developer", content: "Answer in French." },
        { role: "assistant", content: "Bonjour" },
      ],
    });
    expect(body.system).toBe("Be brief.\n\nAnswer in French.");
    expect(body.messages).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Bonjour" },
    ]);
  });

  it("keeps system parts as text blocks, with their cache_control", () => {
    const body = build({
      messages: [
        { role: "system", content: [{ type: "text", text: "Long policy…", cache_control: { type: "ephemeral" } }] },
        { role: "system", content: "Short rule." },
        { role: "user", content: "Hi" },
      ],
    });
    expect(body.system).toEqual([
      { type: "text", text: "Long policy…", cache_control: { type: "ephemeral" } },
      { type: "text", text: "Short rule." },
    ]);
  });

  it("merges consecutive same-role turns", () => {
    const body = build({
      messages: [
        { role: "user", content: "First" },
        { role: "user", content: [{ type: "text", text: "Second" }] },
        { role: "assistant", content: "A" },
        { role: "assistant", content: "B" },
        { role: "user", content: "Third" },
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "First" }, { type: "text", text: "Second" }] },
      { role: "assistant", content: [{ type: "text", text: "A" }, { type: "text", text: "B" }] },
      { role: "user", content: "Third" },
    ]);
  });

  it("starts with a user turn when the conversation does not", () => {
    expect(build({ messages: [{ role: "assistant", content: "Hello, how can I help?" }, { role: "user", content: "Hi" }] }).messages).toEqual([
      { role: "user", content: PLACEHOLDER_USER_TURN },
      { role: "assistant", content: "Hello, how can I help?" },
      { role: "user", content: "Hi" },
    ]);
    const systemOnly = build({ messages: [{ role: "system", content: "Tell a joke." }] });
    expect(systemOnly.system).toBe("Tell a joke.");
    expect(systemOnly.messages).toEqual([{ role: "user", content: PLACEHOLDER_USER_TURN }]);
  });

  it("drops empty messages and trims a final assistant prefill, which Anthropic rejects with trailing whitespace", () => {
    const body = build({
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "" },
        { role: "user", content: "Write JSON" },
        { role: "assistant", content: "{\n  " },
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Hi" }, { type: "text", text: "Write JSON" }] },
      { role: "assistant", content: "{" },
    ]);
  });

  describe("an assistant turn with signed thinking", () => {
    const signed = { type: "thinking", thinking: "Two lookups.", signature: "sig" } as const;
    const redacted = { type: "redacted_thinking", data: "opaque" } as const;
    const call = { id: "toolu_01", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } } as const;
    const toolUse = { type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } };
    const turn = (assistant: ChatMessage) => build({ messages: [{ role: "user", content: "Weather?" }, assistant, { role: "tool", tool_call_id: "toolu_01", content: "18°C" }] }).messages[1];

    it("sends OpenAI-shaped history's thinking_blocks first, then text, then tool calls", () => {
      const assistant: ChatMessage = { role: "assistant", content: "Checking.", reasoning_content: "Two lookups.", tool_calls: [call], thinking_blocks: [signed, redacted] };
      expect(turn(assistant)).toEqual({ role: "assistant", content: [signed, redacted, { type: "text", text: "Checking." }, toolUse] });
    });

    it("keeps the order the client's blocks came in, when the message holds it", () => {
      const texts = [{ type: "text", text: "First," }, { type: "text", text: "then." }];
      const assistant: ChatMessage = { role: "assistant", content: "First,\nthen.", tool_calls: [call] };
      setOutOfBand(assistant, CACHE_PARTS, texts);
      setOutOfBand(assistant, "thinking_blocks", [signed, redacted]);
      setOutOfBand(assistant, BLOCK_ORDER, ["thinking", "text", "thinking", "text", "tool_use"]);
      expect(turn(assistant)).toEqual({ role: "assistant", content: [signed, texts[0], redacted, texts[1], toolUse] });
      // Blocks the order does not place still go, by kind.
      setOutOfBand(assistant, BLOCK_ORDER, ["text", "thinking"]);
      expect(turn(assistant)).toEqual({ role: "assistant", content: [texts[0], signed, redacted, texts[1], toolUse] });
    });
  });

  it("translates data-URL images to base64 sources and http(s) images to url sources", () => {
    const body = build({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare these" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "data:image/jpg;base64,/9j/4AAQ" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.webp", detail: "high" } },
          ],
        },
      ],
    });
    expect(body.messages[0]!.content).toEqual([
      { type: "text", text: "Compare these" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.webp" } },
    ]);
  });

  it("turns inline PDF file parts into document blocks", () => {
    const body = build({
      messages: [{ role: "user", content: [{ type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } }] }],
    });
    expect(body.messages[0]!.content).toEqual([
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" }, title: "a.pdf" },
    ]);
  });

  it("rejects content Anthropic cannot take, naming the part", () => {
    rejects({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }] }] }, "messages[0].content[0]");
    rejects({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png,rawbytes" } }] }] }, "messages[0].content[0]");
    rejects({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x/y.png" } }] }] }, "messages[0].content[0]");
    rejects({ messages: [{ role: "user", content: "Hi" }, { role: "user", content: [{ type: "input_audio", input_audio: {} }] }] }, "messages[1].content[0]");
    rejects({ messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-abc" } }] }] }, "messages[0].content[0]");
    rejects({ messages: [{ role: "function", name: "f", content: "x" }] }, "messages[0].role");
    rejects({ n: 2 }, "n");
  });
});
