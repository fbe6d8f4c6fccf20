/**
 * A stream chunk still in the upstream's JSON text. Most events of an
 * OpenAI-compatible stream are plain content deltas the gateway has no reason
 * to change, so they travel as text and are written to the client as they
 * came; parsing happens only if something needs to look inside.
 */
import type { ChatChunk } from "./chat.js";

export class ChunkText {
  private parsed: ChatChunk | undefined;

  constructor(readonly json: string) {}

  get chunk(): ChatChunk {
    return (this.parsed ??= JSON.parse(this.json) as ChatChunk);
  }
}

/** What stream translators produce: a chunk object, or one still in its wire text. */
export type StreamItem = ChatChunk | ChunkText;

export function asChunk(item: StreamItem): ChatChunk {
  return item instanceof ChunkText ? item.chunk : item;
}

/** The item as JSON text for an SSE `data:` line. */
export function chunkJson(item: StreamItem): string {
  return item instanceof ChunkText ? item.json : JSON.stringify(item);
}
