import { describe, expect, it } from "vitest";
import { chunksOf, type StreamItem } from "../core/chunk-text.js";
import type { SseEvent, StreamTranslator } from "./adapter.js";
import { ChunkDecoder } from "./stream-decoder.js";

/** Emits one chunk per event whose data is its content; "fail" throws; end() emits "end" once per call. */
class EchoTranslator implements StreamTranslator {
  usage = undefined;
  finishReason = undefined;
  endCalls = 0;
  push(event: SseEvent): StreamItem[] {
    if (event.data === "fail") throw new Error(`failed after ${event.data}`);
    return [chunk(event.data)];
  }
  end(): StreamItem[] {
    this.endCalls++;
    return [chunk("end")];
  }
}
const chunk = (content: string) => ({ id: "c", object: "chat.completion.chunk" as const, created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] });
const contents = (items: StreamItem[] | undefined) => (items ?? []).flatMap(chunksOf).map((c) => c.choices[0]!.delta.content);

describe("chunk decoder", () => {
  it("decodes reads as they come, whole frames or split, and ends once", () => {
    const translator = new EchoTranslator();
    const decoder = new ChunkDecoder(translator, (text) => text);
    expect(contents(decoder.piece("data: a\n\ndata: b\n\n"))).toEqual(["a", "b"]);
    expect(decoder.piece("data: c")).toBeUndefined();
    expect(contents(decoder.piece("\n\n"))).toEqual(["c"]);
    expect(decoder.piece(": keep-alive\n\n")).toBeUndefined();
    expect(contents(decoder.end())).toEqual(["end"]);
    expect(decoder.end()).toBeUndefined();
    expect(translator.endCalls).toBe(1);
  });

  it("returns what came before a failing frame, then throws on the next read", () => {
    const decoder = new ChunkDecoder(new EchoTranslator(), (text) => text);
    expect(contents(decoder.piece("data: a\n\ndata: fail\n\ndata: b\n\n"))).toEqual(["a"]);
    expect(() => decoder.piece("data: c\n\n")).toThrow(/failed/);
  });

  it("throws after the last batch when the failing frame was in the last read", () => {
    const translator = new EchoTranslator();
    const decoder = new ChunkDecoder(translator, (text) => text);
    expect(contents(decoder.piece("data: a"))).toEqual([]);
    expect(contents(decoder.end())).toEqual(["a", "end"]);
    const failing = new ChunkDecoder(translator, (text) => text);
    expect(failing.piece("data: x\n\ndata: fail")).toEqual([chunk("x")]);
    expect(() => failing.end()).toThrow(/failed/);
    const lastRead = new ChunkDecoder(translator, (text) => text);
    expect(contents(lastRead.piece("data: y\n\ndata: fail\n\n"))).toEqual(["y"]);
    expect(() => lastRead.end()).toThrow(/failed/);
    expect(translator.endCalls).toBe(1);
  });

  it("throws at once when a read's first frame fails", () => {
    const decoder = new ChunkDecoder(new EchoTranslator(), (text) => text);
    expect(() => decoder.piece("data: fail\n\n")).toThrow(/failed/);
  });
});
