/**
 * Tool calls as OpenAI's format requires them: `type: "function"` on every call
 * that names its function, `arguments` as a JSON string. Mistral may leave out
 * `type` and send `arguments` as an object; the openai SDK then fails
 * ("missing choices[0].tool_calls[0].type"). Returns whether anything changed.
 */
export function normalizeToolCalls(calls: unknown): boolean {
  if (!Array.isArray(calls)) return false;
  let changed = false;
  for (const call of calls) {
    if (call === null || typeof call !== "object") continue;
    const fn = (call as { function?: { name?: unknown; arguments?: unknown } }).function;
    if (fn === null || typeof fn !== "object") continue;
    if ((call as { type?: unknown }).type === undefined && typeof fn.name === "string") {
      (call as { type?: string }).type = "function";
      changed = true;
    }
    if (fn.arguments !== undefined && typeof fn.arguments !== "string") {
      fn.arguments = JSON.stringify(fn.arguments);
      changed = true;
    }
  }
  return changed;
}

const TOOL_ID = /^[A-Za-z0-9]{9}$/;

/**
 * A tool-call id as Mistral requires it (nine letters or digits): ids from
 * other providers (`call_…`, `toolu_…`) are mapped to a stable nine-character
 * digest, so a call and its result still match.
 */
export function nineCharToolId(id: string, digest: (text: string) => string): string {
  return TOOL_ID.test(id) ? id : digest(id).slice(0, 9);
}
