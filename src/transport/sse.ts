/**
 * Frames an upstream byte stream into server-sent events. Comment lines
 * (`: keep-alive`) and blank lines are skipped by the parser; CRLF works.
 *
 * Most providers send nothing but `data: {json}\n\n` frames, usually one read
 * per event. A read made only of such complete frames, with nothing pending
 * before it, is handed on as its text (`DataFrames`) without going through the
 * general parser, so a translator can pass frames it does not change through
 * to the client as they came.
 */
import { constants } from "node:buffer";
import { createParser, type EventSourceParser } from "eventsource-parser";
import type { SseEvent } from "../providers/adapter.js";
import { AnswerTooLarge } from "./buffered-request.js";

/** The longest unfinished event held (characters): half the longest string V8 makes, which the parser's buffer must stay under. */
export const MAX_EVENT_CHARS = Math.floor(constants.MAX_STRING_LENGTH / 2);

const DATA = "data: ";
const LF = 10;

/** Complete `data: …\n\n` frames exactly as the upstream sent them. */
export class DataFrames {
  /** `starts[i]` is where frame i begins; frame i ends (its `\n\n` included) where frame i+1 begins, the last at `text.length`. */
  constructor(
    readonly text: string,
    readonly starts: readonly number[],
  ) {}

  /** The `data` of frame i. */
  data(i: number): string {
    const end = i + 1 < this.starts.length ? this.starts[i + 1]! : this.text.length;
    return this.text.slice(this.starts[i]! + DATA.length, end - 2);
  }

  events(): SseEvent[] {
    const events: SseEvent[] = [];
    for (let i = 0; i < this.starts.length; i++) events.push({ data: this.data(i) });
    return events;
  }
}

export type SseBatch = SseEvent[] | DataFrames;

/** Frame offsets when `text` is only complete single-line `data: ` frames; undefined otherwise. */
export function dataFrameStarts(text: string): number[] | undefined {
  if (text.length === 0 || text.includes("\r")) return undefined;
  const starts: number[] = [];
  let at = 0;
  while (at < text.length) {
    if (!text.startsWith(DATA, at)) return undefined;
    const lineEnd = text.indexOf("\n", at);
    if (lineEnd < 0 || text.charCodeAt(lineEnd + 1) !== LF) return undefined;
    starts.push(at);
    at = lineEnd + 2;
  }
  return starts;
}

/**
 * Upstream text → event batches, one read at a time. The general parser is
 * created only for a stream that needs it (most never do).
 */
export class SseReader {
  private batch: SseEvent[] = [];
  private parser: EventSourceParser | undefined;
  // True while the parser holds nothing: the last text it was fed ended with a blank line.
  private clean = true;
  // Characters fed since the last blank line: the unfinished event the parser holds, about.
  private held = 0;

  constructor(
    private readonly scrub: (text: string) => string = (text) => text,
    private readonly maxEventChars = MAX_EVENT_CHARS,
  ) {}

  piece(text: string): SseBatch | undefined {
    if (this.clean) {
      // Known secrets hold no line breaks, so scrubbing whole frames equals scrubbing each data.
      const scrubbed = this.scrub(text);
      const starts = dataFrameStarts(scrubbed);
      if (starts) return new DataFrames(scrubbed, starts);
    }
    const blank = Math.max(text.lastIndexOf("\n\n"), text.lastIndexOf("\r\n\r\n"));
    this.held = blank >= 0 ? text.length - blank : this.held + text.length;
    // An event that never ends would grow the parser's buffer until V8 cannot make the string.
    if (this.held > this.maxEventChars) throw new AnswerTooLarge(`a stream event longer than ${this.maxEventChars} characters`);
    this.parser ??= createParser({ onEvent: (message) => this.batch.push({ event: message.event, data: this.scrub(message.data) }) });
    this.parser.feed(text);
    this.clean = text.endsWith("\n\n");
    return this.take();
  }

  end(): SseBatch | undefined {
    this.parser?.feed("\n\n");
    return this.take();
  }

  private take(): SseEvent[] | undefined {
    if (this.batch.length === 0) return undefined;
    const ready = this.batch;
    this.batch = [];
    return ready;
  }
}
