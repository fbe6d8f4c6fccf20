/**
 * An upstream answer's headers as undici hands them over (name, value, name,
 * value …), decoded only when read. The gateway reads a handful of them (rate
 * limits, Retry-After) out of the twenty-odd a provider sends; turning every
 * name and value into a string up front was ≈ 1 µs per request with six
 * headers, and grows with each one.
 */
export class RawHeaders {
  constructor(private readonly raw: ReadonlyArray<Buffer | string>) {}

  /** The first value of `name`, which must be lower-case; undefined when absent. */
  get(name: string): string | undefined {
    const raw = this.raw;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (isName(raw[i]!, name)) return latin1(raw[i + 1]!);
    }
    return undefined;
  }
}

/** An empty list, for answers that carry none. */
export const NO_HEADERS = new RawHeaders([]);

function latin1(field: Buffer | string): string {
  return typeof field === "string" ? field : field.toString("latin1");
}

/** Compares a header name to a lower-case one without decoding it: field names are ASCII tokens. */
function isName(field: Buffer | string, name: string): boolean {
  if (field.length !== name.length) return false;
  if (typeof field === "string") return field.toLowerCase() === name;
  for (let i = 0; i < field.length; i++) {
    let code = field[i]!;
    if (code >= 65 && code <= 90) code += 32;
    if (code !== name.charCodeAt(i)) return false;
  }
  return true;
}
