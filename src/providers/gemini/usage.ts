import type { Usage } from "../../core/usage.js";
import type { GeminiUsageMetadata } from "./wire-types.js";

function count(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Canonical usage from `usageMetadata` (providers.md §12.3): `promptTokenCount`
 * already includes cached tokens; tool-use prompt tokens are billed as input;
 * thought tokens are billed as output but are not inside `candidatesTokenCount`.
 * Undefined when the metadata carries no counts.
 */
export function usageFromGemini(metadata: GeminiUsageMetadata | undefined): Usage | undefined {
  if (!metadata) return undefined;
  if (metadata.promptTokenCount === undefined && metadata.candidatesTokenCount === undefined && metadata.thoughtsTokenCount === undefined) {
    return undefined;
  }
  const reasoning = count(metadata.thoughtsTokenCount);
  return {
    input: {
      total: count(metadata.promptTokenCount) + count(metadata.toolUsePromptTokenCount),
      cacheRead: count(metadata.cachedContentTokenCount),
      cacheWrite: 0,
    },
    output: { total: count(metadata.candidatesTokenCount) + reasoning, reasoning },
  };
}
