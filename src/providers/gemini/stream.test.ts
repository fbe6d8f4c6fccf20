import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateOpenAI } from "../../../test/helpers/openapi.js";
import type { ChatChunk } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { replayStream } from "../../../test/helpers/translated.js";
import type { CallContext } from "../adapter.js";
import { translateResponse } from "./response.js";
import { GeminiStreamTranslator } from "./stream.js";
import { startUsageOf } from "../start-usage.js";

const context: CallContext = { model: "gemini-2.5-flash", apiKey: "test-key" };

function fixtureText(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8");
}

async function* bytes(text: string, pieceSize: number): AsyncGenerator<Uint8Array> {
  const all = Buffer.from(text, "utf8");
  for (let offset = 0; offset < all.length; offset += pieceSize) yield all.subarray(offset, offset + pieceSize);
}

/** Feeds raw SSE text through the real framer and the translator, as the gateway does. */
async function replay(text: string, pieceSize = 7) {
  const translator = new GeminiStreamTranslator("gemini", context.model);
  const chunks: ChatChunk[] = [];
  await replayStream(translator, bytes(text, pieceSize), chunks);
  for (const chunk of chunks) validateOpenAI("CreateChatCompletionStreamResponse", chunk);
  return { chunks, translator };
}

interface Collected {
  text: string;
  reasoning: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReasons: string[];
  roles: number;
}

function collect(chunks: ChatChunk[]): Collected {
  const out: Collected = { text: "", reasoning: "", toolCalls: [], finishReasons: [], roles: 0 };
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      if (delta.role) out.roles += 1;
      out.text += delta.content ?? "";
      out.reasoning += delta.reasoning_content ?? "";
      for (const call of delta.tool_calls ?? []) {
        const slot = (out.toolCalls[call.index] ??= { id: "", name: "", arguments: "" });
        slot.id += call.id ?? "";
        slot.name += call.function?.name ?? "";
        slot.arguments += call.function?.arguments ?? "";
      }
      if (choice.finish_reason) out.finishReasons.push(choice.finish_reason);
    }
  }
  return out;
}

const PAIRS = ["gemini-text", "gemini-tool-calls", "gemini-max-tokens", "gemini-safety", "gemini-grounded"];

describe("GeminiStreamTranslator", () => {
  describe.each(PAIRS)("%s: streamed equals buffered", (name) => {
    it.each([1, 5, 7, 64, 1 << 20])("with %i-byte reads", async (pieceSize) => {
      const { chunks, translator } = await replay(fixtureText(`${name}.chunks.txt`), pieceSize);
      const buffered = translateResponse(JSON.parse(fixtureText(`${name}.json`)), context, "gemini");
      const streamed = collect(chunks);
      const message = buffered.completion.choices[0]!.message;
      expect(streamed.text).toBe(message.content ?? "");
      expect(streamed.toolCalls.map(({ name: fn, arguments: args }) => ({ name: fn, arguments: args }))).toEqual(
        (message.tool_calls ?? []).map((call) => ({ name: call.function.name, arguments: call.function.arguments })),
      );
      expect(translator.usage).toEqual(buffered.usage);
      expect(translator.finishReason).toEqual(buffered.finishReason);
      expect(streamed.finishReasons).toEqual([buffered.completion.choices[0]!.finish_reason]);
      expect(streamed.roles).toBe(1);
      expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    });
  });

  it("starts with the assistant role once and streams text fragments (CRLF framing)", async () => {
    const text = fixtureText("gemini-text.chunks.txt");
    expect(text).toContain("\r\n\r\n");
    const { chunks } = await replay(text);
    expect(chunks.map((chunk) => chunk.choices[0]!.delta)).toEqual([
      { role: "assistant", content: "Why did the" },
      { content: " scarecrow win an award? Because he" },
      { content: " was outstanding in his field." },
      {},
    ]);
    // The finish reason comes on its own chunk, as OpenAI sends it.
    expect(chunks.map((chunk) => chunk.choices[0]!.finish_reason)).toEqual([null, null, null, "stop"]);
    expect(new Set(chunks.map((chunk) => chunk.id))).toEqual(new Set(["chatcmpl-Yp3MaPnCBoqj1e8P9rvmiAk"]));
  });

  it("carries the prompt's counts of the first response on the first chunk only, out of band (the Anthropic front's message_start)", async () => {
    const { chunks } = await replay(fixtureText("gemini-text.chunks.txt"));
    const first = startUsageOf(chunks[0]);
    expect(first?.input.total).toBe(8);
    expect(chunks.slice(1).every((chunk) => startUsageOf(chunk) === undefined)).toBe(true);
    expect(JSON.stringify(chunks[0])).not.toContain("start_usage");
  });

  it("sends each whole function call as one tool_calls delta with its own index and a stable id", async () => {
    const { chunks } = await replay(fixtureText("gemini-tool-calls.chunks.txt"));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]!.delta.tool_calls ?? []);
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => [call.index, call.type, call.function?.name, call.function?.arguments])).toEqual([
      [0, "function", "get_weather", '{"city":"Paris","unit":"celsius"}'],
      [1, "function", "get_weather", '{"city":"London","unit":"celsius"}'],
    ]);
    expect(calls[0]!.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(calls[0]!.id).not.toBe(calls[1]!.id);
    const again = collect((await replay(fixtureText("gemini-tool-calls.chunks.txt"))).chunks);
    expect(again.toolCalls.map((call) => call.id)).toEqual(calls.map((call) => call.id));
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("gives a call the same id streamed as buffered when the response id is the same", () => {
    const body = fixtureText("gemini-tool-calls.json");
    const buffered = translateResponse(JSON.parse(body), context, "gemini").completion.choices[0]!.message.tool_calls!;
    const translator = new GeminiStreamTranslator("gemini", context.model);
    const streamed = collect(translator.push({ data: JSON.stringify(JSON.parse(body)) })).toolCalls;
    expect(streamed.map((call) => call.id)).toEqual(buffered.map((call) => call.id));
  });

  it("ends a safety stop with content_filter after the text already sent", async () => {
    const { chunks, translator } = await replay(fixtureText("gemini-safety.chunks.txt"));
    expect(chunks.at(-1)!.choices[0]).toMatchObject({ delta: {}, finish_reason: "content_filter" });
    expect(translator.finishReason).toEqual({ unified: "content_filter", raw: "SAFETY" });
  });

  it("fails a stream whose only event is a failed tool call (not yet committed: retried, then failed over)", () => {
    const translator = new GeminiStreamTranslator("gemini", context.model);
    expect(() => translator.push({ data: JSON.stringify({ candidates: [{ content: { role: "model", parts: [] }, finishReason: "MALFORMED_FUNCTION_CALL", index: 0 }] }) })).toThrow(
      expect.objectContaining({ kind: "upstream_error", code: "tool_call_failed" }),
    );
    const afterText = new GeminiStreamTranslator("gemini", context.model);
    afterText.push({ data: JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "Let me look" }] }, index: 0 }] }) });
    const [last] = afterText.push({ data: JSON.stringify({ candidates: [{ content: { role: "model", parts: [] }, finishReason: "MALFORMED_FUNCTION_CALL", index: 0 }] }) });
    expect(last!.choices[0]!.finish_reason).toBe("stop");
    expect(afterText.finishReason).toEqual({ unified: "stop", raw: "MALFORMED_FUNCTION_CALL" });
  });

  it("answers a blocked prompt with one content_filter chunk", async () => {
    const { chunks, translator } = await replay(fixtureText("gemini-blocked-prompt.chunks.txt"));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.choices[0]).toMatchObject({ delta: { role: "assistant", content: null }, finish_reason: "content_filter" });
    expect(translator.finishReason).toEqual({ unified: "content_filter", raw: "PROMPT_BLOCKED:PROHIBITED_CONTENT" });
    expect(translator.usage?.input.total).toBe(9);
  });

  it("throws the mapped GatewayError for an error event mid-stream", async () => {
    const translator = new GeminiStreamTranslator("gemini", context.model);
    const emitted: ChatChunk[] = [];
    const error = await replayStream(translator, bytes(fixtureText("gemini-mid-stream-error.chunks.txt"), 11), emitted).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ kind: "upstream_unavailable", upstreamStatus: 503 });
    expect((error as GatewayError).message).toContain("The model is overloaded");
    expect(collect(emitted).text).toBe("Once upon a time, in a quiet village");
  });

  it("throws upstream_error when the body ends before a finish reason", async () => {
    const events = fixtureText("gemini-text.chunks.txt").split("\r\n\r\n").filter(Boolean);
    const cut = events.slice(0, -1).join("\r\n\r\n") + "\r\n\r\n";
    await expect(replay(cut)).rejects.toMatchObject({ kind: "upstream_error", message: expect.stringMatching(/ended early/) });
    await expect(replay("")).rejects.toMatchObject({ kind: "upstream_error" });
  });

  it("rejects an unparsable event", () => {
    const translator = new GeminiStreamTranslator("gemini", context.model);
    expect(() => translator.push({ data: "{not json" })).toThrow(GatewayError);
    expect(translator.push({ data: "" })).toEqual([]);
  });

  it("keeps the last cumulative usage even from a usage-only event and emits nothing for it", () => {
    const translator = new GeminiStreamTranslator("gemini", context.model);
    translator.push({ data: JSON.stringify({ candidates: [{ content: { parts: [{ text: "Hi" }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 } }) });
    const after = translator.push({ data: JSON.stringify({ usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, thoughtsTokenCount: 4 } }) });
    expect(after).toEqual([]);
    expect(translator.usage).toEqual({ input: { total: 3, cacheRead: 0, cacheWrite: 0 }, output: { total: 6, reasoning: 4 } });
    expect(translator.end()).toEqual([]);
  });
});
