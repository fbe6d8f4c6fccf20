import { createParser } from "eventsource-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dataFrameStarts, DataFrames, SseReader, type SseBatch } from "./sse.js";

/** What the general parser alone makes of a whole text: the reference. */
function parsedWhole(text: string): Array<{ event?: string | undefined; data: string }> {
  const events: Array<{ event?: string | undefined; data: string }> = [];
  const parser = createParser({ onEvent: (message) => events.push({ event: message.event, data: message.data }) });
  parser.feed(text);
  parser.feed("\n\n");
  return events;
}

function piecesOf(text: string, cuts: number[]): string[] {
  const pieces: string[] = [];
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut > at && cut < text.length) {
      pieces.push(text.slice(at, cut));
      at = cut;
    }
  }
  if (at < text.length) pieces.push(text.slice(at));
  return pieces;
}

function readAll(pieces: string[], scrub?: (text: string) => string): SseBatch[] {
  const reader = new SseReader(scrub);
  const batches: SseBatch[] = [];
  for (const piece of pieces) {
    const batch = reader.piece(piece);
    if (batch) batches.push(batch);
  }
  const last = reader.end();
  if (last) batches.push(last);
  return batches;
}

const dataOf = (batches: SseBatch[]) => batches.flatMap((batch) => (batch instanceof DataFrames ? batch.events() : batch)).map((event) => event.data);

describe("data frames", () => {
  it("finds the frames of text made only of complete single-line data frames", () => {
    expect(dataFrameStarts('data: {"a":1}\n\n')).toEqual([0]);
    expect(dataFrameStarts("data: x\n\ndata: [DONE]\n\n")).toEqual([0, 9]);
    const frames = new DataFrames("data: x\n\ndata: yz\n\n", [0, 9]);
    expect(frames.data(0)).toBe("x");
    expect(frames.data(1)).toBe("yz");
    expect(frames.events()).toEqual([{ data: "x" }, { data: "yz" }]);
  });

  it("leaves anything else to the general parser", () => {
    for (const text of [
      "",
      "data: x\n",
      "data: x",
      "data: x\n\ndata: y\n",
      "data:x\n\n",
      "data: x\r\n\r\n",
      "event: ping\ndata: x\n\n",
      "data: a\ndata: b\n\n",
      ": keep-alive\n\n",
      "\n\ndata: x\n\n",
      "id: 1\n\n",
    ]) {
      expect(dataFrameStarts(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it("frames any cut of any stream exactly as the general parser does", async () => {
    const frame = fc.oneof(
      { arbitrary: fc.string({ maxLength: 12 }).map((s) => `data: ${JSON.stringify({ s })}\n\n`), weight: 6 },
      fc.constant("data: [DONE]\n\n"),
      fc.string({ maxLength: 6 }).map((s) => `event: e\ndata: ${JSON.stringify(s)}\n\n`),
      fc.constant(": keep-alive\n\n"),
      fc.constant('data: {"crlf":1}\r\n\r\n'),
      fc.constant("data: a\ndata: b\n\n"),
      fc.constant("data:{}\n\n"),
      fc.constant("\n"),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { maxLength: 12 }), fc.array(fc.nat(400), { maxLength: 8 }), async (frames, cuts) => {
        const text = frames.join("");
        const batches = readAll(piecesOf(text, cuts));
        expect(dataOf(batches)).toEqual(parsedWhole(text).map((event) => event.data));
        for (const batch of batches) if (batch instanceof DataFrames) expect(dataFrameStarts(batch.text)).toEqual(batch.starts);
      }),
      { numRuns: 400 },
    );
  });

  it("hands whole-frame reads on as text, and never a read that follows a partial one", async () => {
    const batches = readAll(piecesOf("data: a\n\ndata: b\n\ndata: c\n\ndata: d\n\n", [9, 14, 27]));
    expect(batches.map((batch) => (batch instanceof DataFrames ? `frames:${batch.text}` : `events:${batch.map((e) => e.data).join(",")}`))).toEqual([
      "frames:data: a\n\n",
      "events:b,c",
      "frames:data: d\n\n",
    ]);
  });

  it("scrubs known secrets from whole-frame reads too", async () => {
    const scrub = (text: string) => text.split("sk-secret-value").join("[REDACTED]");
    const batches = readAll(piecesOf('data: {"echo":"sk-secret-value"}\n\ndata: {"b":"sk-secret-value"}\n\n', [20]), scrub);
    expect(dataOf(batches)).toEqual(['{"echo":"[REDACTED]"}', '{"b":"[REDACTED]"}']);
    const whole = readAll(piecesOf('data: {"echo":"sk-secret-value"}\n\n', []), scrub);
    expect(whole[0]).toBeInstanceOf(DataFrames);
    expect(dataOf(whole)).toEqual(['{"echo":"[REDACTED]"}']);
  });
});

describe("an event that never ends", () => {
  it("is refused once it passes the limit, as an answer too large (not a RangeError from a string V8 cannot make)", () => {
    const reader = new SseReader(undefined, 1_000);
    expect(reader.piece('data: {"a":"')).toBeUndefined();
    expect(() => {
      for (let i = 0; i < 20; i++) reader.piece("x".repeat(100));
    }).toThrow(expect.objectContaining({ name: "AnswerTooLarge", message: "a stream event longer than 1000 characters" }));
  });

  it("counts only the unfinished event: a long stream of small events cut anywhere passes", () => {
    const frame = (i: number) => `event: e\ndata: {"i":${i},"pad":"${"p".repeat(50)}"}\n\n`;
    const text = Array.from({ length: 500 }, (_, i) => frame(i)).join("");
    const reader = new SseReader(undefined, 1_000);
    const pieces = Array.from({ length: Math.ceil(text.length / 97) }, (_, i) => text.slice(i * 97, i * 97 + 97));
    expect(() => pieces.forEach((piece) => reader.piece(piece))).not.toThrow();
    expect(dataOf(readAll(pieces))).toHaveLength(500);
  });
});
