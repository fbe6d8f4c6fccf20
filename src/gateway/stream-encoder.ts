import type { StreamItem } from "../core/chunk-text.js";

/**
 * A streamed reply's wire format. The streaming pipeline calls it inline, so
 * an open stream holds one generator for its whole reply, not one per format.
 */
export interface StreamEncoder<T> {
  /** A batch of chunks (one upstream read, or the final usage chunk). */
  batch(items: StreamItem[]): T | undefined;
  /** The stream failed after its first byte: what ends it (it may throw instead). */
  failure(error: unknown): T | undefined;
  /** The stream is complete. */
  end(): T | undefined;
}

/** The encoder applied to batches from elsewhere, with the pipeline's contract (for tests and adapters). */
export async function* encodeBatches<T>(batches: AsyncIterable<StreamItem[]>, encoder: StreamEncoder<T>): AsyncGenerator<T> {
  try {
    for await (const batch of batches) {
      const out = encoder.batch(batch);
      if (out !== undefined) yield out;
    }
  } catch (error) {
    const out = encoder.failure(error);
    if (out !== undefined) yield out;
    return;
  }
  const out = encoder.end();
  if (out !== undefined) yield out;
}
