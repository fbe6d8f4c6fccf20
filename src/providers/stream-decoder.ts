/**
 * Upstream stream text → canonical chunk batches, synchronously, one read at a
 * time: SSE framing and the provider's translator in one step.
 */
import type { StreamItem } from "../core/chunk-text.js";
import { DataFrames, SseReader, type SseBatch } from "../transport/sse.js";
import type { StreamTranslator } from "./adapter.js";

/**
 * Feeds one read's events to a translator, appending what it produces to
 * `into`. When a frame throws, what earlier frames produced stays in `into`:
 * it still belongs to the client.
 */
function translateBatch(translator: StreamTranslator, batch: SseBatch, into: StreamItem[]): void {
  if (batch instanceof DataFrames) {
    if (translator.pushFrames) return translator.pushFrames(batch, into);
    batch = batch.events();
  }
  for (const event of batch) {
    const chunks = translator.push(event);
    for (let i = 0; i < chunks.length; i++) into.push(chunks[i]!);
  }
}

const NO_FAILURE = Symbol("no failure");

/** A read's non-empty batch of chunks, or undefined; a failing frame throws after the batch before it was returned. */
export class ChunkDecoder {
  private readonly frames: SseReader;
  private failure: unknown = NO_FAILURE;
  private ended = false;

  constructor(
    private readonly translator: StreamTranslator,
    scrub: (text: string) => string,
  ) {
    this.frames = new SseReader(scrub);
  }

  piece(text: string): StreamItem[] | undefined {
    this.throwPending();
    const batch = this.frames.piece(text);
    return batch && this.translate(batch);
  }

  /** Called until it returns undefined: the last batch, then the failure that came after it, if any. */
  end(): StreamItem[] | undefined {
    this.throwPending();
    if (this.ended) return undefined;
    this.ended = true;
    const rest = this.frames.end();
    const items = (rest && this.translate(rest)) ?? [];
    if (this.failure === NO_FAILURE) items.push(...this.translator.end());
    return items.length > 0 ? items : undefined;
  }

  private translate(batch: SseBatch): StreamItem[] | undefined {
    const items: StreamItem[] = [];
    try {
      translateBatch(this.translator, batch, items);
    } catch (error) {
      if (items.length === 0) throw error;
      this.failure = error;
    }
    return items.length > 0 ? items : undefined;
  }

  private throwPending(): void {
    if (this.failure !== NO_FAILURE) throw this.failure;
  }
}
