/**
 * Gemini's `logprobsResult` (asked for with `generationConfig.responseLogprobs`)
 * → OpenAI's `choices[].logprobs`: one entry per decoding step, the chosen
 * token with its log probability and UTF-8 bytes, and the step's top
 * candidates (as many as `top_logprobs` asked for; Gemini's `logprobs`).
 */
import type { GeminiLogprobsResult } from "./wire-types.js";

export interface OpenAITokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
}

export interface OpenAIChoiceLogprobs {
  content: Array<OpenAITokenLogprob & { top_logprobs: OpenAITokenLogprob[] }>;
  refusal: null;
}

function tokenLogprob(candidate: { token?: string | undefined; logProbability?: number | undefined }): OpenAITokenLogprob {
  const token = candidate.token ?? "";
  return { token, logprob: candidate.logProbability ?? 0, bytes: [...Buffer.from(token, "utf8")] };
}

/** null when the candidate carries none (not asked for, or a chunk without tokens). */
export function toOpenAILogprobs(result: GeminiLogprobsResult | undefined): OpenAIChoiceLogprobs | null {
  const chosen = result?.chosenCandidates;
  if (!chosen || chosen.length === 0) return null;
  const top = result.topCandidates ?? [];
  return {
    content: chosen.map((candidate, step) => ({ ...tokenLogprob(candidate), top_logprobs: (top[step]?.candidates ?? []).map(tokenLogprob) })),
    refusal: null,
  };
}
