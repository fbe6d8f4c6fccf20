import type { StreamItem } from "../core/chunk-text.js";
import { DataFrames, type SseBatch } from "../transport/sse.js";
import type { StreamTranslator } from "./adapter.js";

/**
 * Feeds one read's events to a translator, appending what it produces to
 * `into`. When a frame throws, what earlier frames produced stays in `into`:
 * it still belongs to the client.
 */
export function translateBatch(translator: StreamTranslator, batch: SseBatch, into: StreamItem[]): void {
  if (batch instanceof DataFrames) {
    if (translator.pushFrames) return translator.pushFrames(batch, into);
    batch = batch.events();
  }
  for (const event of batch) {
    const chunks = translator.push(event);
    for (let i = 0; i < chunks.length; i++) into.push(chunks[i]!);
  }
}
