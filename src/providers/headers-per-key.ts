/**
 * An adapter's upstream headers depend only on the API key the call uses, so
 * they are built once per key instead of once per request (a key ring holds a
 * few keys). The objects are frozen: a caller that wants to add a header must
 * copy first, so no request can leak a header into the next one.
 */
type Headers = Record<string, string>;

/** Keys seen before the cache starts over (secrets re-read from a vault bring new ones). */
const MAX_KEYS = 64;

export function headersPerKey(build: (apiKey: string | undefined) => Headers): (apiKey: string | undefined) => Headers {
  const built = new Map<string | undefined, Headers>();
  return (apiKey) => {
    let headers = built.get(apiKey);
    if (headers === undefined) {
      if (built.size >= MAX_KEYS) built.clear();
      headers = Object.freeze(build(apiKey));
      built.set(apiKey, headers);
    }
    return headers;
  };
}
