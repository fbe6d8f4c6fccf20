/** A JSON object (not null, not an array): what request and response bodies are checked with. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * A shallow copy that stays cheap to extend. V8 (Node 20) gives objects made
 * by spreading (`{ ...value }`, `{ ...value, added: 1 }`) a shape outside its
 * transition tree: every property added to them later costs about a
 * microsecond. Copies that gain properties afterwards are made with this.
 */
export function extensibleCopy<T extends object>(value: T): T {
  return Object.assign({}, value);
}

/** The value as a JSON object, or undefined when it is not one. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}
