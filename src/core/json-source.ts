/**
 * The JSON text a parsed request body came from. The HTTP front remembers it,
 * so an adapter that sends the same JSON on (an OpenAI-compatible upstream)
 * can splice the one or two members it changes into the client's own text
 * instead of serializing the whole body again: for a long conversation,
 * `JSON.stringify` costs more than `JSON.parse` did (≈ 3 ns a byte on Node 20).
 *
 * Parsed requests are never changed in place (adapters copy before they
 * change anything), so the text stays true to the object it was parsed into.
 */
const sources = new WeakMap<object, string>();

export function rememberJsonSource(value: unknown, text: string): void {
  if (typeof value === "object" && value !== null) sources.set(value, text);
}

export function jsonSourceOf(value: object): string | undefined {
  return sources.get(value);
}
