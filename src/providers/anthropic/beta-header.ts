/**
 * The `anthropic-beta` header a request asks for: the provider's configured
 * betas plus the request's own `anthropic_beta` names (the Anthropic front
 * copies the client's header there), each once.
 */

/** Beta names are short tokens (`prompt-caching-2024-07-31`); anything else could smuggle header syntax. */
const BETA_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** The header value, or undefined when the request adds no beta to the configured ones. */
export function betaHeader(configured: string | undefined, requested: unknown): string | undefined {
  if (!Array.isArray(requested) || requested.length === 0) return undefined;
  const names = new Set((configured ?? "").split(",").map((name) => name.trim()).filter((name) => name !== ""));
  const before = names.size;
  for (const name of requested) if (typeof name === "string" && BETA_NAME.test(name)) names.add(name);
  return names.size === before ? undefined : [...names].join(",");
}

/** The client's `anthropic-beta` header values as names. */
export function betaNames(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const values = typeof header === "string" ? [header] : header ?? [];
  return values.flatMap((value) => value.split(",")).map((name) => name.trim()).filter((name) => BETA_NAME.test(name));
}
