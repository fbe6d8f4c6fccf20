import { StringDecoder } from "node:string_decoder";
import { chunksOf, type StreamItem } from "../../src/core/chunk-text.js";
import type { ChatChunk } from "../../src/core/chat.js";
import type { StreamTranslator } from "../../src/providers/adapter.js";
import { ChunkDecoder } from "../../src/providers/stream-decoder.js";

/**
 * Upstream bytes through the gateway's own stream decoding (UTF-8 decoder, SSE
 * framing, the translator, its end): the chunk objects are appended to
 * `emitted`, including those produced before a failure, which is then thrown.
 */
export async function replayStream(translator: StreamTranslator, body: AsyncIterable<Uint8Array>, emitted: ChatChunk[]): Promise<void> {
  const text = new StringDecoder("utf8");
  const decoder = new ChunkDecoder(translator, (piece) => piece);
  const emit = (items: StreamItem[] | undefined) => {
    for (const item of items ?? []) emitted.push(...chunksOf(item));
  };
  for await (const piece of body) emit(decoder.piece(text.write(Buffer.from(piece))));
  const rest = text.end();
  if (rest) emit(decoder.piece(rest));
  for (let last = decoder.end(); last !== undefined; last = decoder.end()) emit(last);
}
