/**
 * Frames an upstream byte stream into server-sent events. Comment lines
 * (`: keep-alive`) and blank lines are skipped by the parser; CRLF works.
 */
import { createParser } from "eventsource-parser";
import type { SseEvent } from "../providers/adapter.js";

export async function* readSseEvents(
  body: AsyncIterable<Uint8Array | string>,
  scrub: (text: string) => string = (text) => text,
): AsyncGenerator<SseEvent[]> {
  let batch: SseEvent[] = [];
  const parser = createParser({
    onEvent(message) {
      batch.push({ event: message.event, data: scrub(message.data) });
    },
  });
  const decoder = new TextDecoder();
  for await (const piece of body) {
    parser.feed(typeof piece === "string" ? piece : decoder.decode(piece, { stream: true }));
    if (batch.length > 0) {
      const ready = batch;
      batch = [];
      yield ready;
    }
  }
  parser.feed("\n\n");
  if (batch.length > 0) yield batch;
}
