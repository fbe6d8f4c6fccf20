import { describe, expect, it } from "vitest";
import { ChunkText, chunksOf, dropPendingUsage, firstChunkOf, identityChunkOf, SseChunks, sseText, type StreamItem } from "./chunk-text.js";

describe("stream items", () => {
  const a = { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] };
  const b = { ...a, choices: [{ index: 0, delta: { content: "b\n\nc" }, finish_reason: null }] };

  it("writes every kind of item as the same server-sent event text", () => {
    const frames = `data: ${JSON.stringify(a)}\n\ndata: ${JSON.stringify(b)}\n\n`;
    expect(sseText(a as never)).toBe(`data: ${JSON.stringify(a)}\n\n`);
    expect(sseText(new ChunkText(JSON.stringify(a)))).toBe(`data: ${JSON.stringify(a)}\n\n`);
    expect(sseText(new SseChunks(frames))).toBe(frames);
  });

  it("reads the chunks an item stands for", () => {
    expect(chunksOf(a as never)).toEqual([a]);
    expect(chunksOf(new ChunkText(JSON.stringify(b)))).toEqual([b]);
    // A line break inside a JSON string is escaped, so frames split cleanly.
    expect(chunksOf(new SseChunks(`data: ${JSON.stringify(a)}\n\ndata: ${JSON.stringify(b)}\n\n`))).toEqual([a, b]);
  });

  it("reads the first chunk of an item without the rest", () => {
    expect(firstChunkOf(a as never)).toEqual(a);
    expect(firstChunkOf(new ChunkText(JSON.stringify(b)))).toEqual(b);
    expect(firstChunkOf(new SseChunks(`data: ${JSON.stringify(b)}\n\ndata: ${JSON.stringify(a)}\n\n`))).toEqual(b);
    // The rest is never parsed: a broken second frame does not matter.
    expect(firstChunkOf(new SseChunks(`data: ${JSON.stringify(a)}\n\ndata: {broken\n\n`))).toEqual(a);
  });

  it("takes a stream's identity from a chunk already parsed, else from the first chunk alone", () => {
    const finish = { ...a, id: "other", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };
    const run = new SseChunks(`data: ${JSON.stringify(a)}\n\ndata: {broken\n\n`);
    expect(identityChunkOf([run, new ChunkText(JSON.stringify(finish), finish as never)])).toBe(finish);
    expect(identityChunkOf([run, finish as never])).toBe(finish);
    // Nothing parsed yet: the opening chunk, parsed alone.
    expect(identityChunkOf([run, new ChunkText(JSON.stringify(finish))])).toEqual(a);
    expect(identityChunkOf([])).toBeUndefined();
  });
});

describe("dropPendingUsage", () => {
  it("takes the top-level usage: null out of wire text and chunk objects, and nothing else", () => {
    const frame = (json: string) => `data: ${json}\n\n`;
    const withNull = '{"id":"c","choices":[{"index":0,"delta":{"content":"say \\"usage\\":null"}}],"usage":null}';
    const first = '{"usage":null,"id":"c","choices":[]}';
    const items: StreamItem[] = [
      new SseChunks(frame(withNull) + frame(first)),
      new ChunkText(withNull),
      { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: null },
      new ChunkText('{"id":"c","choices":[]}'),
    ];
    const untouched = items[3];
    dropPendingUsage(items);
    const stripped = '{"id":"c","choices":[{"index":0,"delta":{"content":"say \\"usage\\":null"}}]}';
    expect((items[0] as SseChunks).sse).toBe(frame(stripped) + frame('{"id":"c","choices":[]}'));
    expect((items[1] as ChunkText).json).toBe(stripped);
    expect("usage" in (items[2] as object)).toBe(false);
    expect(items[3]).toBe(untouched);
    // The content kept its quoted text.
    expect((items[1] as ChunkText).chunk.choices[0]!.delta.content).toBe('say "usage":null');
  });
});
