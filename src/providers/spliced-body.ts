/**
 * An OpenAI-compatible upstream body made from the client's own JSON text:
 * when the only changes are the model (an alias resolved to the upstream's
 * name) and, for a stream, asking for usage, those are spliced into the text
 * and the rest is sent as the client wrote it. The scan skips strings with
 * native `indexOf`, so its cost follows the number of strings, not bytes.
 * Anything unusual (a repeated `model`, a non-string model) gives undefined,
 * and the caller serializes the parsed request instead.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

const STREAM_USAGE_MEMBER = '"stream_options":{"include_usage":true}';

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  return at;
}

/** The index of the quote closing the string opened at `open`; -1 if unterminated. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return -1;
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === BACKSLASH) slashes++;
    if ((slashes & 1) === 0) return at;
  }
}

/** Where the value of the top-level `model` member starts and ends; undefined when absent, repeated or not a string. */
export function topLevelModelRange(text: string): { start: number; end: number } | undefined {
  const first = skipSpace(text, 0);
  if (text.charCodeAt(first) !== OPEN_BRACE) return undefined;
  let depth = 0;
  let found: { start: number; end: number } | undefined;
  for (let at = first; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const end = closingQuote(text, at);
      if (end === -1) return undefined;
      if (depth === 1) {
        const colon = skipSpace(text, end + 1);
        if (text.charCodeAt(colon) === COLON && keyAt(text, at, end) === "model") {
          if (found) return undefined;
          const start = skipSpace(text, colon + 1);
          if (text.charCodeAt(start) !== QUOTE) return undefined;
          const close = closingQuote(text, start);
          if (close === -1) return undefined;
          found = { start, end: close + 1 };
          at = close;
          continue;
        }
      }
      at = end;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
  }
  return found;
}

/** A key as JSON.parse reads it: escapes (`"mod\u0065l"`) decoded. */
function keyAt(text: string, open: number, close: number): string {
  const raw = text.slice(open + 1, close);
  return raw.includes("\\") ? (JSON.parse(text.slice(open, close + 1)) as string) : raw;
}

/**
 * The client's text with its top-level `model` set to `model` and, when
 * `addStreamUsage`, `stream_options.include_usage` asked for (the request must
 * have no `stream_options` then). `requestedModel` is the model the text was
 * parsed into: the splice is checked against it.
 */
export function splicedBody(text: string, requestedModel: string, model: string, addStreamUsage: boolean): string | undefined {
  const range = topLevelModelRange(text);
  if (!range || JSON.parse(text.slice(range.start, range.end)) !== requestedModel) return undefined;
  let out = model === requestedModel ? text : text.slice(0, range.start) + JSON.stringify(model) + text.slice(range.end);
  if (addStreamUsage) {
    let close = out.length - 1;
    while (close > 0 && isSpace(out.charCodeAt(close))) close--;
    if (out.charCodeAt(close) !== CLOSE_BRACE) return undefined;
    out = `${out.slice(0, close)},${STREAM_USAGE_MEMBER}${out.slice(close)}`;
  }
  return out;
}
