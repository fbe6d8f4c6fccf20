/**
 * Stream chunks still in the upstream's wire text. Most events of an
 * OpenAI-compatible stream are plain content deltas the gateway has no reason
 * to change, so they travel as text and are written to the client as they
 * came; parsing happens only if something needs to look inside.
 */
import type { ChatChunk } from "./chat.js";

/** One chunk as JSON text. */
export class ChunkText {
  /** `parsed`, when the caller already parsed `json`, must be exactly its parse (unchanged). */
  constructor(
    readonly json: string,
    private parsed?: ChatChunk,
  ) {}

  /** The parse, only if already made. */
  get parsedChunk(): ChatChunk | undefined {
    return this.parsed;
  }

  get chunk(): ChatChunk {
    return (this.parsed ??= JSON.parse(this.json) as ChatChunk);
  }
}

/** Consecutive chunks as the exact server-sent event text of their `data: {json}\n\n` frames. */
export class SseChunks {
  constructor(readonly sse: string) {}

  /** The first chunk alone: a stream's opening run can hold dozens, and only one is needed. */
  get first(): ChatChunk {
    const end = this.sse.indexOf("\n\n");
    return JSON.parse(this.sse.slice("data: ".length, end < 0 ? undefined : end)) as ChatChunk;
  }

  get chunks(): ChatChunk[] {
    const chunks: ChatChunk[] = [];
    for (const frame of this.sse.split("\n\n")) {
      if (frame.length > 0) chunks.push(JSON.parse(frame.slice("data: ".length)) as ChatChunk);
    }
    return chunks;
  }
}

/**
 * A chunk's out-of-band flag: it stands for upstream output the canonical form has no field for
 * (a native Anthropic turn's server-tool blocks), which counts as the stream's first content.
 */
export const OPAQUE_CONTENT = "opaque_content";

/** What stream translators produce: a chunk object, or chunks still in their wire text. */
export type StreamItem = ChatChunk | ChunkText | SseChunks;

/** The chunks an item stands for (one, except for `SseChunks`). */
export function chunksOf(item: StreamItem): ChatChunk[] {
  if (item instanceof SseChunks) return item.chunks;
  return [item instanceof ChunkText ? item.chunk : item];
}

/** The first chunk an item stands for, parsing no more than that one. */
export function firstChunkOf(item: StreamItem): ChatChunk {
  if (item instanceof SseChunks) return item.first;
  return item instanceof ChunkText ? item.chunk : item;
}

/**
 * A chunk to copy a stream's id, created and model from: the first one already
 * parsed, if any (every chunk of a stream carries the same three), else the
 * first chunk, parsed alone.
 */
export function identityChunkOf(items: readonly StreamItem[]): ChatChunk | undefined {
  for (const item of items) {
    if (item instanceof SseChunks) continue;
    const parsed = item instanceof ChunkText ? item.parsedChunk : item;
    if (parsed) return parsed;
  }
  return items.length > 0 ? firstChunkOf(items[0]!) : undefined;
}

/**
 * OpenAI's chunks carry `"usage": null` until the usage chunk when the client asked for usage;
 * chunks the gateway made or re-serialized get it too. Wire text passes as the upstream wrote it.
 */
export function markUsagePending(items: readonly StreamItem[]): void {
  for (const item of items) if (!(item instanceof ChunkText) && !(item instanceof SseChunks) && item.usage === undefined) item.usage = null;
}

const PENDING_USAGE = '"usage":null';

/** JSON text without its top-level `"usage":null` (compact JSON: inside strings a quote is escaped, so a match is the key). */
function withoutPendingUsageText(json: string): string {
  return json.replaceAll(`,${PENDING_USAGE}`, "").replaceAll(`${PENDING_USAGE},`, "");
}

/**
 * A client that did not ask for usage gets chunks without `usage`, as OpenAI sends them; the
 * gateway asks upstreams for usage anyway (for the ledger), so their `"usage": null` comes out
 * here, in wire text too. Items are replaced in place.
 */
export function dropPendingUsage(items: StreamItem[]): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item instanceof SseChunks) {
      if (item.sse.includes(PENDING_USAGE)) items[i] = new SseChunks(withoutPendingUsageText(item.sse));
    } else if (item instanceof ChunkText) {
      if (item.json.includes(PENDING_USAGE)) items[i] = new ChunkText(withoutPendingUsageText(item.json));
    } else if (item.usage === null) delete item.usage;
  }
}

/** The item as server-sent event text. */
export function sseText(item: StreamItem): string {
  if (item instanceof SseChunks) return item.sse;
  return `data: ${item instanceof ChunkText ? item.json : JSON.stringify(item)}\n\n`;
}
