/**
 * OpenAI-compatible providers are presets of one adapter: a default base URL,
 * how the key is sent, and a few quirks. Adding a host is one entry here.
 */
import { createHash } from "node:crypto";
import type { ChatRequest } from "../core/chat.js";
import type { RateLimitState } from "../core/rate-limit.js";
import type { HeaderBag } from "./adapter.js";
import { deepseekThinking } from "./deepseek-thinking.js";
import { parseMistralRateLimit } from "./rate-limit-headers.js";
import { nineCharToolId } from "./tool-call-shape.js";

export type AuthStyle = "bearer" | "api-key" | "none";

export interface OpenAIPreset {
  /** Default base URL including the version prefix; undefined means `base_url` is required. */
  baseUrl?: string;
  auth: AuthStyle;
  /** The API's path on a server whose `base_url` names no path (Ollama's OpenAI-compatible API is under `/v1`). */
  rootPath?: string;
  /** Whether requests fail without a key (local servers such as Ollama need none). */
  keyRequired: boolean;
  /** The environment variable the no-config default reads the key from. */
  envKey?: string;
  /** Accepts `stream_options.include_usage` (so streamed usage can be priced). */
  streamUsage: boolean;
  embeddings: boolean;
  /** How to list models: OpenAI's `GET /models`, or Ollama's `GET /api/tags` at the origin. */
  modelList: "openai" | "ollama-tags" | "none";
  /** Finish reasons that mean "the provider failed, try again", not a real end. */
  retryableFinishReasons?: string[];
  /** Request fields this host rejects, left out of the body it is sent. */
  dropFields?: readonly string[];
  /** Fields this host knows by another name (from → to). */
  renameFields?: Readonly<Record<string, string>>;
  /** The host's tool calls may lack `type` or carry object arguments (see tool-call-shape.ts). */
  normalizesToolCalls?: boolean;
  /** The documented cap on `stop` entries; more are refused before the call (stop-sequences.ts). */
  maxStopSequences?: number;
  /** Reads the host's rate-limit headers when they are not OpenAI's `x-ratelimit-*-{requests,tokens}`. */
  rateLimit?(headers: HeaderBag, now: number): RateLimitState | undefined;
  /** Request quirks applied after the generic translation (the body is a fresh copy). */
  adjustRequest?(body: ChatRequest): void;
  /**
   * Takes into the body what a translated request carries out of band (anthropic/out-of-band.ts) and
   * this host understands. A request whose JSON goes upstream as written has nothing out of band.
   */
  takeOutOfBand?(body: ChatRequest, request: ChatRequest): void;
}

/**
 * OpenAI and Azure reject parameters they do not know. `top_k` and `thinking` are Anthropic's, sent by
 * Anthropic-format clients or by clients of an alias whose deployments mix providers: dropped here,
 * they reach Anthropic and Gemini deployments and cost an OpenAI one nothing.
 */
const ANTHROPIC_ONLY = ["top_k", "thinking"] as const;

/** `max_tokens` is deprecated at OpenAI and refused by its reasoning models (o-series, GPT-5); every chat model takes the new name. */
const MAX_COMPLETION_TOKENS = { max_tokens: "max_completion_tokens" } as const;

/** Nine-character tool-call ids for Mistral, from a digest of the foreign id. */
const digest = (text: string) => createHash("sha256").update(text).digest("hex");

/** Fields of an answer's message that Mistral's assistant turns lack (Switchyard's answers carry them; clients replay them). */
const ANSWER_ONLY = ["reasoning_content", "refusal", "annotations"] as const;

/**
 * Mistral validates messages strictly (422 `extra_forbidden`, even for a null value): assistant turns go
 * without the fields it lacks, and tool-call ids get nine characters.
 */
function mistralMessages(body: ChatRequest): void {
  // The body is a fresh copy, but its messages are the client's: replaced, not edited.
  body.messages = body.messages.map((original) => {
    let message = original;
    if (message.role === "assistant" && ANSWER_ONLY.some((field) => field in message)) {
      message = { ...message };
      for (const field of ANSWER_ONLY) delete (message as Record<string, unknown>)[field];
    }
    if (message.tool_calls) return { ...message, tool_calls: message.tool_calls.map((call) => ({ ...call, id: nineCharToolId(call.id, digest) })) };
    if (typeof message.tool_call_id === "string") return { ...message, tool_call_id: nineCharToolId(message.tool_call_id, digest) };
    return message;
  });
}

/** OpenAI's spec: "Up to 4 sequences" (`StopConfiguration`, maxItems 4); Azure OpenAI serves the same API. */
const OPENAI_MAX_STOP = 4;

export const OPENAI_PRESETS = {
  openai: { baseUrl: "https://api.openai.com/v1", auth: "bearer", keyRequired: true, envKey: "OPENAI_API_KEY", streamUsage: true, embeddings: true, modelList: "openai", dropFields: ANTHROPIC_ONLY, renameFields: MAX_COMPLETION_TOKENS, maxStopSequences: OPENAI_MAX_STOP },
  // Azure: base_url is the resource (`https://{res}.openai.azure.com`); paths name the deployment.
  azure: { auth: "api-key", keyRequired: true, envKey: "AZURE_OPENAI_API_KEY", streamUsage: true, embeddings: true, modelList: "none", dropFields: ANTHROPIC_ONLY, renameFields: MAX_COMPLETION_TOKENS, maxStopSequences: OPENAI_MAX_STOP },
  deepseek: {
    baseUrl: "https://api.deepseek.com/v1", auth: "bearer", keyRequired: true, envKey: "DEEPSEEK_API_KEY",
    streamUsage: true, embeddings: false, modelList: "openai",
    // Capacity cut on DeepSeek's side: the answer is incomplete, so it is a failure.
    retryableFinishReasons: ["insufficient_system_resource"],
    takeOutOfBand: deepseekThinking,
  },
  qwen: { baseUrl: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", auth: "bearer", keyRequired: true, envKey: "DASHSCOPE_API_KEY", streamUsage: true, embeddings: true, modelList: "openai" },
  mistral: {
    baseUrl: "https://api.mistral.ai/v1", auth: "bearer", keyRequired: true, envKey: "MISTRAL_API_KEY",
    // Mistral reports usage in the last chunk on its own and has rejected stream_options.
    streamUsage: false, embeddings: true, modelList: "openai",
    retryableFinishReasons: ["error"],
    // Mistral refuses fields it does not know (422 extra_forbidden), such as OpenAI's `store`, and tool-call ids that are not nine alphanumerics.
    dropFields: [...ANTHROPIC_ONLY, "store"],
    renameFields: { max_completion_tokens: "max_tokens", seed: "random_seed" },
    normalizesToolCalls: true,
    rateLimit: parseMistralRateLimit,
    adjustRequest(body) {
      delete body.stream_options;
      mistralMessages(body);
    },
  },
  groq: { baseUrl: "https://api.groq.com/openai/v1", auth: "bearer", keyRequired: true, envKey: "GROQ_API_KEY", streamUsage: true, embeddings: false, modelList: "openai" },
  together: { baseUrl: "https://api.together.ai/v1", auth: "bearer", keyRequired: true, envKey: "TOGETHER_API_KEY", streamUsage: true, embeddings: true, modelList: "openai" },
  fireworks: { baseUrl: "https://api.fireworks.ai/inference/v1", auth: "bearer", keyRequired: true, envKey: "FIREWORKS_API_KEY", streamUsage: true, embeddings: true, modelList: "openai" },
  xai: { baseUrl: "https://api.x.ai/v1", auth: "bearer", keyRequired: true, envKey: "XAI_API_KEY", streamUsage: true, embeddings: false, modelList: "openai" },
  openrouter: { baseUrl: "https://openrouter.ai/api/v1", auth: "bearer", keyRequired: true, envKey: "OPENROUTER_API_KEY", streamUsage: true, embeddings: true, modelList: "openai" },
  ollama: { baseUrl: "http://127.0.0.1:11434/v1", rootPath: "/v1", auth: "bearer", keyRequired: false, streamUsage: true, embeddings: true, modelList: "ollama-tags" },
  // vLLM, llama.cpp server, LM Studio and any other OpenAI-compatible server.
  "openai-compatible": { auth: "bearer", keyRequired: false, streamUsage: true, embeddings: true, modelList: "openai" },
} satisfies Record<string, OpenAIPreset>;

export type OpenAIPresetName = keyof typeof OPENAI_PRESETS;

export function isOpenAIPreset(type: string): type is OpenAIPresetName {
  return Object.hasOwn(OPENAI_PRESETS, type);
}
