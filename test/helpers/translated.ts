import { chunksOf, type StreamItem } from "../../src/core/chunk-text.js";
import type { ChatChunk } from "../../src/core/chat.js";
import type { StreamTranslator } from "../../src/providers/adapter.js";
import { translateBatch } from "../../src/providers/stream-decoder.js";
import type { SseBatch } from "../../src/transport/sse.js";

/**
 * One read's events through a translator, as the gateway feeds them; the chunk
 * objects are appended to `into`, including those produced before a frame threw.
 */
export function pushTranslated(translator: StreamTranslator, batch: SseBatch, into: ChatChunk[]): void {
  const items: StreamItem[] = [];
  try {
    translateBatch(translator, batch, items);
  } finally {
    for (const item of items) into.push(...chunksOf(item));
  }
}
