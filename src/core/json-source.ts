/**
 * The JSON text a parsed body came from: a client's request (remembered by the
 * HTTP front) or an upstream's answer (by the upstream call). Where the same
 * JSON goes on with a member or two changed, those are spliced into the text
 * (core/json-splice.ts) instead of serializing the whole body again: for a long
 * conversation, `JSON.stringify` costs more than `JSON.parse` did (≈ 3 ns a
 * byte on Node 20).
 *
 * The text is only true while the object is unchanged. Parsed requests are
 * never changed in place (adapters copy before they change anything); an
 * adapter that rewrites an answer in place hands its text on only when it
 * rewrote nothing (`ChatResult.sourceText`).
 */
const sources = new WeakMap<object, string>();

export function rememberJsonSource(value: unknown, text: string): void {
  if (typeof value === "object" && value !== null) sources.set(value, text);
}

export function jsonSourceOf(value: object): string | undefined {
  return sources.get(value);
}
