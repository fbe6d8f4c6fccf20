/**
 * The JSON text a client's parsed request came from, remembered by the HTTP
 * front (an upstream's answer carries its text alongside: upstream-call.ts).
 * Where the same JSON goes on with a member or two changed, those are spliced
 * into the text (core/json-splice.ts) instead of serializing the whole body
 * again: for a long conversation, `JSON.stringify` costs more than
 * `JSON.parse` did (≈ 3 ns a byte on Node 20).
 *
 * The text is only true while the object is unchanged. Parsed requests are
 * never changed in place (adapters copy before they change anything).
 */
const sources = new WeakMap<object, string>();

export function rememberJsonSource(value: unknown, text: string): void {
  if (typeof value === "object" && value !== null) sources.set(value, text);
}

export function jsonSourceOf(value: object): string | undefined {
  return sources.get(value);
}

/** Lets the text go before its object does (a stream, once no attempt can need it again). */
export function forgetJsonSource(value: object): void {
  sources.delete(value);
}
