/**
 * Translates `streamGenerateContent?alt=sse`: every event is a whole
 * GenerateContentResponse holding only the new parts. Text arrives in
 * fragments, a function call arrives whole (one tool_calls delta with the full
 * arguments), `usageMetadata` is cumulative (the last one wins), and the body
 * simply ends after the event carrying `finishReason`. Grounding metadata
 * (usually on the last events) counts its searches in the usage, each
 * candidate's last reported query list winning like `usageMetadata`; its
 * citations are not streamed (OpenAI's chunk delta has no annotations).
 */
import { randomUUID } from "node:crypto";
import type { ChatChunk, ChunkChoice, ChunkDelta } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import type { MappedFinishReason } from "../../core/finish-reason.js";
import type { Usage } from "../../core/usage.js";
import type { SseEvent, StreamTranslator } from "../adapter.js";
import { geminiErrorFromInfo, readErrorPayload } from "./errors.js";
import { blockedPromptFinishReason, mapGeminiFinishReason, refuseEmptyToolFailure } from "./finish-reason.js";
import { webSearchQueryCount, withWebSearches } from "./grounding.js";
import { toOpenAILogprobs } from "./logprobs.js";
import { parseGeminiResponse, piecesOf } from "./response.js";
import { usageFromGemini } from "./usage.js";
import { setStartUsage } from "../start-usage.js";
import { errorPayloadSchema, type GeminiCandidate } from "./wire-types.js";

interface CandidateState {
  roleSent: boolean;
  /** Text sent for this candidate (a failed tool call after it still ends an answer). */
  texted: boolean;
  toolCalls: number;
  finished: boolean;
}

export class GeminiStreamTranslator implements StreamTranslator {
  finishReason: MappedFinishReason | undefined;
  /** The last token counts reported. */
  private tokens: Usage | undefined;
  /** Per candidate, the searches its last reported query list holds. */
  private readonly searches = new Map<number, number>();
  private readonly candidates = new Map<number, CandidateState>();
  private readonly created = Math.floor(Date.now() / 1000);
  private seed: string | undefined;
  private model: string | undefined;
  /** Whether a chunk has gone out. */
  private opened = false;

  constructor(
    private readonly provider: string,
    private readonly requestedModel: string,
  ) {}

  get usage(): Usage | undefined {
    let searches = 0;
    for (const count of this.searches.values()) searches += count;
    return withWebSearches(this.tokens, searches);
  }

  push(event: SseEvent): ChatChunk[] {
    if (event.data.trim().length === 0) return [];
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      throw this.failure("an unparsable stream event");
    }
    this.throwIfError(json);
    const response = parseGeminiResponse(json, this.provider, "stream event");
    this.seed ??= response.responseId ?? randomUUID();
    this.model ??= response.modelVersion ?? this.requestedModel;
    this.tokens = usageFromGemini(response.usageMetadata) ?? this.tokens;

    const choices: ChunkChoice[] = [];
    const blockReason = response.promptFeedback?.blockReason;
    if ((response.candidates ?? []).length === 0 && blockReason !== undefined) {
      const blocked = this.blockedChoice(blockReason);
      if (blocked) choices.push(blocked);
    }
    // OpenAI ends a choice with its own chunk (`delta: {}` and the finish reason); clients such as the
    // openai SDK's stream helpers close the last tool call's arguments on that chunk.
    const finishes: ChunkChoice[] = [];
    (response.candidates ?? []).forEach((candidate, position) => {
      const searches = webSearchQueryCount(candidate.groundingMetadata);
      if (searches !== undefined) this.searches.set(candidate.index ?? position, searches);
      const choice = this.choiceFor(candidate, candidate.index ?? position);
      if (!choice) return;
      if (choice.finish_reason !== null && Object.keys(choice.delta).length > 0) {
        finishes.push({ index: choice.index, delta: {}, logprobs: null, finish_reason: choice.finish_reason });
        choice.finish_reason = null;
      }
      choices.push(choice);
    });
    const out = choices.length > 0 ? [this.chunk(choices)] : [];
    // The prompt's counts arrive with the first response: the Anthropic front shows them in message_start.
    if (out.length > 0 && !this.opened) {
      this.opened = true;
      if (this.tokens) setStartUsage(out[0]!, this.tokens);
    }
    if (finishes.length > 0) out.push(this.chunk(finishes));
    return out;
  }

  end(): ChatChunk[] {
    const unfinished = this.candidates.size === 0 || [...this.candidates.values()].some((state) => !state.finished);
    if (unfinished) throw this.failure("a stream that ended early, before a finish reason");
    return [];
  }

  private state(index: number): CandidateState {
    let state = this.candidates.get(index);
    if (!state) {
      state = { roleSent: false, texted: false, toolCalls: 0, finished: false };
      this.candidates.set(index, state);
    }
    return state;
  }

  private choiceFor(candidate: GeminiCandidate, index: number): ChunkChoice | undefined {
    const state = this.state(index);
    if (state.finished) return undefined;
    const pieces = piecesOf(candidate.content?.parts, this.seed!, index, state.toolCalls);
    const delta: ChunkDelta = {};
    if (!state.roleSent) delta.role = "assistant";
    if (pieces.reasoning.length > 0) delta.reasoning_content = pieces.reasoning;
    if (pieces.text.length > 0) {
      delta.content = pieces.text;
      state.texted = true;
    }
    if (pieces.toolCalls.length > 0) {
      delta.tool_calls = pieces.toolCalls.map((call, offset) => ({ index: state.toolCalls + offset, ...call }));
      state.toolCalls += pieces.toolCalls.length;
    }
    let finish: ChunkChoice["finish_reason"] = null;
    if (candidate.finishReason !== undefined) {
      refuseEmptyToolFailure(candidate.finishReason, state.texted || state.toolCalls > 0, this.provider);
      const mapped = mapGeminiFinishReason(candidate.finishReason, state.toolCalls > 0);
      state.finished = true;
      finish = mapped.unified;
      if (index === 0 || this.finishReason === undefined) this.finishReason = mapped;
    }
    if (Object.keys(delta).length === 0 && finish === null) return undefined;
    // OpenAI's first chunk is `{role, content: ""}`; some clients expect the key.
    if (Object.keys(delta).length === 1 && delta.role === "assistant") delta.content = "";
    state.roleSent = true;
    return { index, delta, logprobs: toOpenAILogprobs(candidate.logprobsResult), finish_reason: finish };
  }

  private blockedChoice(blockReason: string): ChunkChoice | undefined {
    const state = this.state(0);
    if (state.finished) return undefined;
    const delta: ChunkDelta = state.roleSent ? {} : { role: "assistant", content: null };
    state.roleSent = true;
    state.finished = true;
    this.finishReason = blockedPromptFinishReason(blockReason);
    return { index: 0, delta, logprobs: null, finish_reason: "content_filter" };
  }

  private chunk(choices: ChunkChoice[]): ChatChunk {
    return {
      id: `chatcmpl-${this.seed!}`,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model!,
      choices,
    };
  }

  /** `{"error":{…}}` mid-stream: the same mapping as an HTTP error, keyed by the error's own code. */
  private throwIfError(json: unknown): void {
    if (json === null || typeof json !== "object" || !("error" in json)) return;
    const parsed = errorPayloadSchema.safeParse((json as { error: unknown }).error);
    const info = parsed.success ? readErrorPayload(parsed.data) : {};
    throw geminiErrorFromInfo(this.provider, info.code ?? 500, info);
  }

  private failure(what: string): GatewayError {
    return new GatewayError("upstream_error", `Provider '${this.provider}' sent ${what}`, { provider: this.provider });
  }
}
