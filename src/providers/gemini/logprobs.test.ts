/**
 * Log probabilities: `logprobs`/`top_logprobs` ask Gemini for `responseLogprobs`/`logprobs`,
 * and its `logprobsResult` answers in OpenAI's shape, buffered and streamed (both validated
 * against OpenAI's schema).
 */
import { describe, expect, it } from "vitest";
import { validateOpenAI } from "../../../test/helpers/openapi.js";
import type { ChatChunk, ChatRequest } from "../../core/chat.js";
import { replayStream } from "../../../test/helpers/translated.js";
import { toGeminiRequest } from "./request.js";
import { translateResponse } from "./response.js";
import { GeminiStreamTranslator } from "./stream.js";

const ask = (extra: Partial<ChatRequest>) => toGeminiRequest({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }], ...extra } as ChatRequest, "gemini-2.5-flash");

// Gemini's shape: one chosen token per decoding step, and that step's top candidates.
const step = (token: string, logProbability: number, others: Array<[string, number]>) => ({
  chosen: { token, tokenId: 7, logProbability },
  top: { candidates: [{ token, tokenId: 7, logProbability }, ...others.map(([t, p]) => ({ token: t, tokenId: 9, logProbability: p }))] },
});
const steps = [step("Hello", -0.01, [["Hi", -4.6]]), step(" wörld", -0.5, [[" world", -1.2]])];
const logprobsResult = (of: typeof steps) => ({ chosenCandidates: of.map((s) => s.chosen), topCandidates: of.map((s) => s.top) });

const expected = [
  { token: "Hello", logprob: -0.01, bytes: [72, 101, 108, 108, 111], top_logprobs: [{ token: "Hello", logprob: -0.01, bytes: [72, 101, 108, 108, 111] }, { token: "Hi", logprob: -4.6, bytes: [72, 105] }] },
  {
    token: " wörld", logprob: -0.5, bytes: [32, 119, 195, 182, 114, 108, 100],
    top_logprobs: [{ token: " wörld", logprob: -0.5, bytes: [32, 119, 195, 182, 114, 108, 100] }, { token: " world", logprob: -1.2, bytes: [32, 119, 111, 114, 108, 100] }],
  },
];

describe("Gemini log probabilities", () => {
  it("asks for them only when the client does, with the number of top candidates", () => {
    expect(ask({ logprobs: true, top_logprobs: 2 }).generationConfig).toMatchObject({ responseLogprobs: true, logprobs: 2 });
    expect(ask({ logprobs: true }).generationConfig).toEqual({ responseLogprobs: true });
    expect(ask({ logprobs: false, top_logprobs: 2 }).generationConfig).toBeUndefined();
    expect(ask({}).generationConfig).toBeUndefined();
  });

  it("answers a buffered response in OpenAI's logprobs.content shape", () => {
    const body = {
      candidates: [{ content: { role: "model", parts: [{ text: "Hello wörld" }] }, finishReason: "STOP", index: 0, logprobsResult: logprobsResult(steps) }],
      usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 2, totalTokenCount: 4 },
      responseId: "r1",
    };
    const { completion } = translateResponse(body, { model: "gemini-2.5-flash", apiKey: "k" }, "gemini");
    validateOpenAI("CreateChatCompletionResponse", completion);
    expect(completion.choices[0]!.logprobs).toEqual({ content: expected, refusal: null });
  });

  it("streams each chunk's tokens with that chunk", async () => {
    const event = (text: string, of: typeof steps, finish?: string) =>
      `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text }] }, index: 0, logprobsResult: logprobsResult(of), ...(finish && { finishReason: finish }) }], responseId: "r1" })}\r\n\r\n`;
    const text = event("Hello", steps.slice(0, 1)) + event(" wörld", steps.slice(1), "STOP");
    const chunks: ChatChunk[] = [];
    async function* reads() {
      yield Buffer.from(text);
    }
    await replayStream(new GeminiStreamTranslator("gemini", "gemini-2.5-flash"), reads(), chunks);
    for (const chunk of chunks) validateOpenAI("CreateChatCompletionStreamResponse", chunk);
    expect(chunks.map((chunk) => chunk.choices[0]!.logprobs)).toEqual([
      { content: expected.slice(0, 1), refusal: null },
      { content: expected.slice(1), refusal: null },
      null,
    ]);
  });

  it("answers null when the candidate carries none", () => {
    const body = { candidates: [{ content: { role: "model", parts: [{ text: "Hi" }] }, finishReason: "STOP", logprobsResult: { chosenCandidates: [] } }] };
    expect(translateResponse(body, { model: "m", apiKey: "k" }, "gemini").completion.choices[0]!.logprobs).toBeNull();
  });
});
