/**
 * The slice of the Gemini API (v1beta) wire format Switchyard speaks. Upstream
 * answers are untrusted input, so they are parsed with schemas (unknown fields
 * ignored); request shapes are plain types because the gateway builds them.
 * Field names follow `googleapis/js-genai` `types.ts` and ai.google.dev/api.
 */
import { z } from "zod";

// ---- Request side (built by request.ts) ----

export interface GeminiFunctionCall {
  name: string;
  args?: Record<string, unknown>;
  id?: string;
}

export interface GeminiPart {
  text?: string;
  thought?: boolean;
  /** Opaque; Gemini 3 requires it back on function-call turns. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: { name: string; response: Record<string, unknown>; id?: string };
}

export type GeminiRole = "user" | "model";

export interface GeminiContent {
  role: GeminiRole;
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

export type FunctionCallingMode = "AUTO" | "ANY" | "NONE";

/** Grounding with Google Search (grounding.ts); the REST reference spells it `google_search`, taking no settings here. */
export interface GeminiGoogleSearchTool {
  google_search: Record<string, never>;
}

export type GeminiTool = { functionDeclarations: GeminiFunctionDeclaration[] } | GeminiGoogleSearchTool;

export interface GeminiGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseSchema?: Record<string, unknown>;
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
  /** Return the chosen tokens' log probabilities (`candidates[].logprobsResult`). */
  responseLogprobs?: boolean;
  /** With `responseLogprobs`, the top candidates returned per decoding step (0–20). */
  logprobs?: number;
}

export interface GeminiGenerateContentRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
  tools?: GeminiTool[];
  toolConfig?: { functionCallingConfig: { mode: FunctionCallingMode; allowedFunctionNames?: string[] } };
  generationConfig?: GeminiGenerationConfig;
}

// ---- Response side (parsed) ----

const tokenCount = z.number().optional();

export const usageMetadataSchema = z.object({
  /** Includes cached tokens. */
  promptTokenCount: tokenCount,
  cachedContentTokenCount: tokenCount,
  /** Excludes thought tokens. */
  candidatesTokenCount: tokenCount,
  toolUsePromptTokenCount: tokenCount,
  thoughtsTokenCount: tokenCount,
  totalTokenCount: tokenCount,
});
export type GeminiUsageMetadata = z.infer<typeof usageMetadataSchema>;

const responsePartSchema = z.object({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  functionCall: z
    .object({
      name: z.string(),
      args: z.record(z.string(), z.unknown()).nullish(),
      id: z.string().nullish(),
    })
    .optional(),
});
export type GeminiResponsePart = z.infer<typeof responsePartSchema>;

const logprobCandidateSchema = z.object({ token: z.string().optional(), tokenId: z.number().optional(), logProbability: z.number().optional() });
const logprobsResultSchema = z.object({
  /** One list per decoding step, most likely first. */
  topCandidates: z.array(z.object({ candidates: z.array(logprobCandidateSchema).optional() })).optional(),
  /** The token chosen at each decoding step. */
  chosenCandidates: z.array(logprobCandidateSchema).optional(),
});
export type GeminiLogprobsResult = z.infer<typeof logprobsResultSchema>;

/**
 * `candidates[].groundingMetadata`, from Grounding with Google Search, read leniently: a field or
 * an entry that does not fit is dropped (an entry becomes a hole, so chunk indices still point
 * where they should), never the answer. Only what grounding.ts uses is read: the queries run,
 * the web sources (`groundingChunks[].web`) and which text each supports (`groundingSupports`,
 * located by `segment.text`: its `startIndex`/`endIndex` count UTF-8 bytes within one Part).
 */
export const groundingMetadataSchema = z.object({
  webSearchQueries: z.array(z.unknown()).optional().catch(undefined),
  groundingChunks: z
    .array(z.object({ web: z.object({ uri: z.string(), title: z.string().nullish().catch(undefined) }) }).optional().catch(undefined))
    .optional()
    .catch(undefined),
  groundingSupports: z
    .array(
      z
        .object({
          segment: z.object({ text: z.string() }),
          groundingChunkIndices: z.array(z.number().int().nonnegative().optional().catch(undefined)).optional().catch(undefined),
        })
        .optional()
        .catch(undefined),
    )
    .optional()
    .catch(undefined),
});
export type GeminiGroundingMetadata = z.infer<typeof groundingMetadataSchema>;

const candidateSchema = z.object({
  content: z.object({ role: z.string().optional(), parts: z.array(responsePartSchema).optional() }).optional(),
  finishReason: z.string().optional(),
  finishMessage: z.string().optional(),
  index: z.number().int().nonnegative().optional(),
  logprobsResult: logprobsResultSchema.optional(),
  groundingMetadata: groundingMetadataSchema.optional().catch(undefined),
});
export type GeminiCandidate = z.infer<typeof candidateSchema>;

export const generateContentResponseSchema = z.object({
  candidates: z.array(candidateSchema).optional(),
  promptFeedback: z.object({ blockReason: z.string().optional(), blockReasonMessage: z.string().optional() }).optional(),
  usageMetadata: usageMetadataSchema.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
});
export type GeminiGenerateContentResponse = z.infer<typeof generateContentResponseSchema>;

export const errorPayloadSchema = z.object({
  code: z.number().optional(),
  message: z.string().optional(),
  status: z.string().optional(),
  details: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type GeminiErrorPayload = z.infer<typeof errorPayloadSchema>;
