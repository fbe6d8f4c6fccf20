/**
 * Canonical chunks, shaped like OpenAI's documented stream after the gateway's
 * translation (usage only in the last chunk), and the Anthropic front's
 * translation of them: shared by the front's stream tests.
 */
import type { ChatChunk, ChunkDelta, FinishReason } from "../../src/core/chat.js";
import { AnthropicStreamTranslator } from "../../src/gateway/anthropic-front/stream.js";
import type { AnthropicStreamEvent, ReplyOptions } from "../../src/gateway/anthropic-front/types.js";

export const options: ReplyOptions = { requestedModel: "smart", thinking: false, stopSequences: [] };

export function chunk(delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk {
  return { id: "chatcmpl-123", object: "chat.completion.chunk", created: 1694268190, model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }] };
}

export const usageChunk: ChatChunk = {
  id: "chatcmpl-123",
  object: "chat.completion.chunk",
  created: 1694268190,
  model: "gpt-4o-mini",
  choices: [],
  usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39, prompt_tokens_details: { cached_tokens: 10 } },
};

/** Every event the chunks produce, the finish's included. */
export function run(chunks: ChatChunk[], replyOptions = options): AnthropicStreamEvent[] {
  const translator = new AnthropicStreamTranslator(replyOptions);
  return [...chunks.flatMap((c) => translator.push(c)), ...translator.finish()];
}
