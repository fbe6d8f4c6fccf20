import { encodeChat } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../core/chat.js";
import { IMAGE_TOKENS_DEFAULT, IMAGE_TOKENS_LOW_DETAIL, estimateCompletionTokens, estimatePromptTokens } from "./estimate.js";

describe("estimatePromptTokens", () => {
  it("matches OpenAI-style chat counting for plain text", async () => {
    const messages = [
      { role: "system", content: "You are terse." },
      { role: "user", content: "What is the capital of France?" },
      { role: "assistant", content: "Paris." },
    ] as const;
    const reference = encodeChat(messages.map((m) => ({ role: m.role, content: m.content })), "gpt-4o").length;
    expect(await estimatePromptTokens(messages as unknown as ChatMessage[])).toBe(reference);
  });

  it("counts text parts and images at the documented flat estimates", async () => {
    const text = await estimatePromptTokens([{ role: "user", content: "describe" }]);
    const withImages = await estimatePromptTokens([{
      role: "user",
      content: [
        { type: "text", text: "describe" },
        { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
      ],
    }]);
    expect(withImages - text).toBe(IMAGE_TOKENS_LOW_DETAIL + IMAGE_TOKENS_DEFAULT);
  });

  it("counts names, tool calls and tool definitions", async () => {
    const base = await estimatePromptTokens([{ role: "assistant", content: null }]);
    const withCall = await estimatePromptTokens([{
      role: "assistant", content: null, name: "bot",
      tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
    }], { tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }] });
    expect(withCall).toBeGreaterThan(base + 10);
  });

  it("treats special-token text as text", async () => {
    await expect(estimatePromptTokens([{ role: "user", content: "say <|endoftext|> please" }])).resolves.toBeGreaterThan(5);
  });
});

describe("estimateCompletionTokens", () => {
  it("counts generated text", async () => {
    expect(await estimateCompletionTokens("")).toBe(0);
    expect(await estimateCompletionTokens("hello world")).toBe(2);
  });
});
