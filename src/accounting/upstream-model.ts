/**
 * Hosts that bill another vendor's model at (about) that vendor's list price:
 * OpenRouter (`anthropic/claude-sonnet-4.5`) and Azure OpenAI (OpenAI's models).
 * Maps such a request to the catalog entry to price it by.
 */

/** Where to look a hosted model up in the catalog, and how far to trust the result. */
export interface UpstreamModel {
  /** Catalog provider type holding the vendor's prices. */
  providerType: string;
  /** Ids to try in order (exact first, then normalized spellings). */
  candidates: string[];
  /** The host bills nothing for this variant (OpenRouter `:free`). */
  free: boolean;
  note: string;
}

/** OpenRouter vendor prefixes whose models the catalog prices. */
const OPENROUTER_VENDORS: Readonly<Record<string, string>> = {
  openai: "openai",
  anthropic: "anthropic",
  google: "gemini",
  deepseek: "deepseek",
  qwen: "qwen",
  mistralai: "mistral",
  "x-ai": "xai",
};

const OPENROUTER_NOTE = "estimate: OpenRouter bills the upstream price plus its fee";
const AZURE_NOTE = "estimate: Azure OpenAI global deployments list OpenAI's price; data-zone and regional deployments cost more";

export function upstreamModel(providerType: string, model: string): UpstreamModel | undefined {
  if (providerType === "openrouter") return openRouterModel(model);
  if (providerType === "azure") return { providerType: "openai", candidates: [model], free: false, note: AZURE_NOTE };
  return undefined;
}

function openRouterModel(id: string): UpstreamModel | undefined {
  const slash = id.indexOf("/");
  if (slash <= 0) return undefined;
  // Variants (`:free`, `:nitro`, `:thinking`, `:online`, ...) route the same model differently.
  const [model = "", variant] = id.slice(slash + 1).split(":", 2);
  if (!model) return undefined;
  const vendor = OPENROUTER_VENDORS[id.slice(0, slash).toLowerCase()];
  if (variant === "free") return { providerType: vendor ?? "", candidates: [], free: true, note: "OpenRouter :free variant: billed at 0" };
  if (!vendor) return undefined;
  // OpenRouter spells Claude versions with dots (claude-sonnet-4.5); Anthropic uses dashes.
  const dashed = model.replace(/\./g, "-");
  const candidates = dashed === model ? [model] : [model, dashed];
  return { providerType: vendor, candidates, free: false, note: OPENROUTER_NOTE };
}
