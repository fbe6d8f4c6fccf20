import { describe, expect, it } from "vitest";
import { ChunkText, SseChunks } from "../core/chunk-text.js";
import { completionText, ProducedText } from "./usage-estimate.js";

const chunk = (delta: Record<string, unknown>) => ({ id: "c", object: "chat.completion.chunk" as const, created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: null }] });

describe("produced text", () => {
  it("collects text from chunk objects and from chunks still in wire text, in order", () => {
    const produced = new ProducedText();
    expect(produced.empty).toBe(true);
    produced.addAll([chunk({ role: "assistant", content: "One " })]);
    produced.addAll([new ChunkText(JSON.stringify(chunk({ content: "two " })))]);
    produced.addAll([new SseChunks(`data: ${JSON.stringify(chunk({ content: "three " }))}\n\ndata: ${JSON.stringify(chunk({ reasoning_content: "four" }))}\n\n`)]);
    produced.addAll([chunk({ tool_calls: [{ index: 0, function: { name: "f", arguments: "{}" } }] })]);
    expect(produced.empty).toBe(false);
    expect(produced.text).toBe("One two three fourf{}");
  });

  it("reads the same parts from a whole completion, every choice", () => {
    const completion = {
      id: "c", object: "chat.completion", created: 1, model: "m",
      choices: [
        { index: 0, message: { role: "assistant", content: "One ", reasoning_content: "two " }, finish_reason: "stop" },
        { index: 1, message: { role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: "tool_calls" },
      ],
    };
    expect(completionText(completion as never)).toBe("One two f{}");
  });
});
