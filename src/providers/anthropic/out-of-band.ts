/**
 * Anthropic-only fields on canonical objects that JSON never shows.
 *
 * The Anthropic front fills the canonical request with what an Anthropic
 * upstream can use (`thinking`, `cache_control`, signed thinking blocks,
 * `is_error`, betas), but any provider may serve it, and OpenAI-compatible
 * adapters send the request as JSON to hosts that reject unknown fields. A
 * non-enumerable property is read by name like any other field and skipped
 * by `JSON.stringify` and `Object.keys`, so other upstreams receive exactly the
 * request they did before. (Shallow copies skip it too: pass the object itself.)
 */
export function setOutOfBand(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
}

/** Whether `target` holds `key` out of band (set by `setOutOfBand`, not sent as JSON). */
export function isOutOfBand(target: object, key: string): boolean {
  return key in target && !Object.prototype.propertyIsEnumerable.call(target, key);
}

/** Top-level Messages fields a client sent that the canonical request has no place for; an Anthropic upstream gets them as sent. */
export const ANTHROPIC_EXTRAS = "anthropic_extras";

const TOOL_ERROR_PREFIX = "Error: ";

/** A failed tool result's text as upstreams without Anthropic's `is_error` flag read it. */
export function markToolError(content: string): string {
  return content ? `${TOOL_ERROR_PREFIX}${content}` : "Error";
}

/** The text `markToolError` was given: an Anthropic upstream gets the flag and the client's own text. */
export function unmarkToolError(content: string): string {
  if (content === "Error") return "";
  return content.startsWith(TOOL_ERROR_PREFIX) ? content.slice(TOOL_ERROR_PREFIX.length) : content;
}
