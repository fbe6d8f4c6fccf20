/**
 * `GenerateContentResponse` → chat completion. Each candidate becomes a choice:
 * text parts are joined, thought parts become `reasoning_content`, function
 * calls become tool calls with synthesized ids (Gemini rarely sends ids).
 * Grounding with Google Search becomes `url_citation` annotations and billed
 * searches (grounding.ts).
 */
import { createHash, randomUUID } from "node:crypto";
import type { ChatChoice, ChatCompletion, ToolCall } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import type { MappedFinishReason } from "../../core/finish-reason.js";
import { toOpenAIUsage } from "../../core/usage.js";
import type { CallContext, ChatResult } from "../adapter.js";
import { blockedPromptFinishReason, mapGeminiFinishReason, refuseEmptyToolFailure } from "./finish-reason.js";
import { groundingCitations, webSearchQueryCount, withWebSearches } from "./grounding.js";
import { usageFromGemini } from "./usage.js";
import { toOpenAILogprobs } from "./logprobs.js";
import {
  generateContentResponseSchema, type GeminiGenerateContentResponse, type GeminiResponsePart,
} from "./wire-types.js";

/**
 * A tool-call id stable for one response: derived from the response id, the
 * candidate and the call's position, so streamed and buffered forms agree and
 * ids do not repeat across turns. 29 characters, within OpenAI's 40.
 */
export function toolCallId(seed: string, candidate: number, index: number): string {
  return `call_${createHash("sha256").update(`${seed}:${candidate}:${index}`).digest("hex").slice(0, 24)}`;
}

/** What one response (or one stream event) carries for one candidate. */
export interface CandidatePieces {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
}

/** Splits parts into text, thoughts and tool calls; `firstToolIndex` continues the numbering across stream events. */
export function piecesOf(parts: GeminiResponsePart[] | undefined, seed: string, candidate: number, firstToolIndex: number): CandidatePieces {
  const pieces: CandidatePieces = { text: "", reasoning: "", toolCalls: [] };
  for (const part of parts ?? []) {
    if (part.functionCall) {
      const index = firstToolIndex + pieces.toolCalls.length;
      pieces.toolCalls.push({
        id: part.functionCall.id || toolCallId(seed, candidate, index),
        type: "function",
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      });
    } else if (typeof part.text === "string") {
      if (part.thought === true) pieces.reasoning += part.text;
      else pieces.text += part.text;
    }
  }
  return pieces;
}

/** Parses an upstream body or stream event; anything not shaped like a response is the upstream's failure. */
export function parseGeminiResponse(body: unknown, provider: string, what: string): GeminiGenerateContentResponse {
  const parsed = generateContentResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new GatewayError("upstream_error", `Provider '${provider}' returned an unparsable ${what}`, { provider });
  }
  return parsed.data;
}

function blockedChoice(): ChatChoice {
  return {
    index: 0,
    message: { role: "assistant", content: null, refusal: null },
    logprobs: null,
    finish_reason: "content_filter",
  };
}

/**
 * Translates a buffered answer. A blocked prompt (no candidates, only
 * `promptFeedback.blockReason`) becomes one choice with no content and
 * finish_reason content_filter, like an OpenAI output filter: the prompt tokens
 * were still billed, and a stream can answer the same way.
 */
export function translateResponse(body: unknown, context: CallContext, provider: string): ChatResult {
  const response = parseGeminiResponse(body, provider, "generateContent response");
  const seed = response.responseId ?? randomUUID();
  const candidates = [...(response.candidates ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const blockReason = response.promptFeedback?.blockReason;
  if (candidates.length === 0 && blockReason === undefined) {
    throw new GatewayError("upstream_error", `Provider '${provider}' returned no candidates`, { provider });
  }
  let finishReason: MappedFinishReason | undefined;
  const choices: ChatChoice[] = [];
  // Each candidate grounds itself (its own metadata and queries): the request searched their sum.
  let searches = 0;
  if (candidates.length === 0) {
    choices.push(blockedChoice());
    finishReason = blockedPromptFinishReason(blockReason!);
  }
  candidates.forEach((candidate, position) => {
    const index = candidate.index ?? position;
    const pieces = piecesOf(candidate.content?.parts, seed, index, 0);
    refuseEmptyToolFailure(candidate.finishReason, pieces.text.length > 0 || pieces.toolCalls.length > 0, provider);
    const mapped = mapGeminiFinishReason(candidate.finishReason, pieces.toolCalls.length > 0);
    if (finishReason === undefined) finishReason = mapped;
    const message: ChatChoice["message"] = { role: "assistant", content: pieces.text.length > 0 ? pieces.text : null, refusal: null };
    if (pieces.reasoning.length > 0) message.reasoning_content = pieces.reasoning;
    if (pieces.toolCalls.length > 0) message.tool_calls = pieces.toolCalls;
    const annotations = groundingCitations(candidate.groundingMetadata, pieces.text);
    if (annotations.length > 0) message.annotations = annotations;
    searches += webSearchQueryCount(candidate.groundingMetadata) ?? 0;
    choices.push({ index, message, logprobs: toOpenAILogprobs(candidate.logprobsResult), finish_reason: mapped.unified });
  });
  const usage = withWebSearches(usageFromGemini(response.usageMetadata), searches);
  const completion: ChatCompletion = {
    id: `chatcmpl-${seed}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: response.modelVersion ?? context.model,
    choices,
  };
  if (usage) completion.usage = toOpenAIUsage(usage);
  return { completion, usage, finishReason };
}
