/**
 * A bare vendor model name (`gpt-4o-mini`, `claude-sonnet-4-5-20250929`) routed
 * to the one configured provider of its vendor, so clients that cannot prefix
 * their model names (Claude Code, tools with a fixed model list) work unchanged.
 * The vendor comes from the price catalog, else from the name's family prefix
 * (new snapshots reach clients before the catalog knows them). With two
 * providers of one type the choice is the operator's: an alias names it.
 */

/** Family prefixes of the vendors whose clients send bare names. */
const FAMILIES: ReadonlyArray<[RegExp, string]> = [
  [/^claude-/, "anthropic"],
  [/^(?:gpt-|chatgpt-|o[1-9](?:-|$)|text-embedding-)/, "openai"],
  [/^gemini-/, "gemini"],
  [/^deepseek-/, "deepseek"],
  [/^grok-/, "xai"],
  [/^(?:mistral-|magistral-|codestral-|devstral-|ministral-|pixtral-)/, "mistral"],
  [/^qwen/, "qwen"],
];

export function vendorTypeOf(model: string, catalogVendor: (model: string) => string | undefined): string | undefined {
  if (model.includes("/")) return undefined;
  return catalogVendor(model) ?? FAMILIES.find(([family]) => family.test(model))?.[1];
}

/** `model` → the name of the single enabled provider of its vendor's type, if there is exactly one. */
export function vendorOwner(
  providerTypes: ReadonlyMap<string, string>,
  catalogVendor: (model: string) => string | undefined,
): (model: string) => string | undefined {
  const byType = new Map<string, string[]>();
  for (const [name, type] of providerTypes) byType.set(type, [...(byType.get(type) ?? []), name]);
  return (model) => {
    const type = vendorTypeOf(model, catalogVendor);
    const names = type === undefined ? undefined : byType.get(type);
    return names?.length === 1 ? names[0] : undefined;
  };
}
