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
 *
 * The text rides on the object itself, under a symbol key that is not
 * enumerable (JSON.stringify, Object.keys, spread and Object.assign never see
 * it), so it dies with its object. A WeakMap did the same by the language's
 * rules, but in V8's young-generation collections its values outlived their
 * keys: with a 16.5 KB conversation at full load, 4 KB a request went to the
 * old generation (a full collection every second) against 190 bytes this way,
 * and the same load served 8 % more requests (bench/optimizations.md).
 */
const SOURCE = Symbol("switchyard.jsonSource");

type WithSource = { [SOURCE]?: string };

export function rememberJsonSource(value: unknown, text: string): void {
  if (typeof value === "object" && value !== null) Object.defineProperty(value, SOURCE, { value: text, writable: true, configurable: true });
}

export function jsonSourceOf(value: object): string | undefined {
  return (value as WithSource)[SOURCE];
}

/** Lets the text go before its object does (a stream, once no attempt can need it again). */
export function forgetJsonSource(value: object): void {
  if ((value as WithSource)[SOURCE] !== undefined) (value as WithSource)[SOURCE] = undefined;
}
