import { reportedTokens, type Usage } from "../../core/usage.js";
import type { GeminiUsageMetadata } from "./wire-types.js";

/**
 * Canonical usage from `usageMetadata` (providers.md §12.3): `promptTokenCount`
 * already includes cached tokens; tool-use prompt tokens are billed as input;
 * thought tokens are billed as output but are not inside `candidatesTokenCount`.
 * Undefined when the metadata carries no counts, or a count that is not one
 * (see `reportedTokens`).
 */
export function usageFromGemini(metadata: GeminiUsageMetadata | undefined): Usage | undefined {
  if (!metadata || typeof metadata !== "object") return undefined;
  if (metadata.promptTokenCount === undefined && metadata.candidatesTokenCount === undefined && metadata.thoughtsTokenCount === undefined) {
    return undefined;
  }
  const prompt = reportedTokens(metadata.promptTokenCount);
  const toolPrompt = reportedTokens(metadata.toolUsePromptTokenCount);
  const cached = reportedTokens(metadata.cachedContentTokenCount);
  const candidates = reportedTokens(metadata.candidatesTokenCount);
  const reasoning = reportedTokens(metadata.thoughtsTokenCount);
  if (Math.min(prompt, toolPrompt, cached, candidates, reasoning) < 0) return undefined;
  return {
    input: { total: prompt + toolPrompt, cacheRead: cached, cacheWrite: 0 },
    output: { total: candidates + reasoning, reasoning },
  };
}
