/**
 * Validation of client requests. Known fields are type-checked so mistakes get a
 * precise 400; unknown fields pass through to the provider untouched.
 */
import { z } from "zod";
import { jsonSourceOf, rememberJsonSource } from "../../core/json-source.js";
import type { ChatRequest } from "../../core/chat.js";
import type { EmbeddingsRequest } from "../../core/embeddings.js";
import { GatewayError } from "../../core/errors.js";
import { isRecord } from "../../core/record.js";
import { modelNameSchema } from "./model-name.js";
import { isPlainChatRequest } from "./plain-chat-request.js";

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const contentPart = z.looseObject({ type: z.string() });

const toolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: nullable(z.union([z.string(), z.array(contentPart)])),
  name: z.string().optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
});

const tool = z.looseObject({
  type: z.string(),
  function: z.looseObject({ name: z.string().min(1), description: z.string().optional() }).optional(),
});

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string() }).optional() }),
]);

const names = z.array(z.string().min(1)).optional();

/** OpenRouter-style provider preferences (DESIGN §3.3). */
const providerPreferences = z.looseObject({
  order: names,
  only: names,
  ignore: names,
  allow_fallbacks: z.boolean().optional(),
  sort: z.enum(["price", "latency"]).optional(),
  max_price: z.looseObject({ prompt: z.number().nonnegative().optional(), completion: z.number().nonnegative().optional() }).optional(),
});

export const chatRequestSchema = z.looseObject({
  model: modelNameSchema,
  messages: z.array(message).min(1, "messages must contain at least one message"),
  stream: nullable(z.boolean()),
  stream_options: nullable(z.looseObject({ include_usage: z.boolean().optional() })),
  max_tokens: nullable(z.number().int().positive()),
  max_completion_tokens: nullable(z.number().int().positive()),
  temperature: nullable(z.number().min(0).max(2)),
  top_p: nullable(z.number().min(0).max(1)),
  n: nullable(z.number().int().min(1).max(128)),
  stop: nullable(z.union([z.string(), z.array(z.string())])),
  seed: nullable(z.number().int()),
  presence_penalty: nullable(z.number()),
  frequency_penalty: nullable(z.number()),
  logprobs: nullable(z.boolean()),
  top_logprobs: nullable(z.number().int().min(0).max(20)),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: z.looseObject({ type: z.string() }).optional(),
  user: z.string().optional(),
  metadata: nullable(z.record(z.string(), z.unknown())),
  models: z.array(modelNameSchema).optional(),
  provider: providerPreferences.optional(),
});

export const embeddingsRequestSchema = z.looseObject({
  model: modelNameSchema,
  // As OpenAI's spec: no empty string, no empty list (nothing to embed costs an upstream call and a failed row).
  input: z.union([
    z.string().min(1, "input must not be an empty string"),
    z.array(z.string()).min(1, "input must not be an empty list"),
    z.array(z.number()).min(1, "input must not be an empty list"),
    z.array(z.array(z.number()).min(1, "a token list must not be empty")).min(1, "input must not be an empty list"),
  ]),
  dimensions: z.number().int().positive().optional(),
  encoding_format: z.enum(["float", "base64"]).optional(),
  user: z.string().optional(),
});

/** A validation issue's path as the `param` clients know: `messages[0].content`. */
export function paramPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

/** What the body holds at an issue's path (undefined when the field is missing). */
export function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = root;
  for (const key of path) value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

function parseWith<T>(schema: z.ZodType, value: unknown): T {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("bad_request", "Request body must be a JSON object", { code: "invalid_request_body" });
  }
  const result = schema.safeParse(value);
  if (result.success) {
    // The schemas only validate (loose objects, no defaults or transforms): their copy says
    // what the client's text says, so the text goes with it (see json-source.ts).
    const source = jsonSourceOf(value);
    if (source !== undefined) rememberJsonSource(result.data, source);
    return result.data as T;
  }
  const issue = result.error.issues[0]!;
  const param = paramPath(issue.path);
  // A missing union field (`input`) gets zod's bare "Invalid input" otherwise.
  const missing = (issue.code === "invalid_type" || issue.code === "invalid_union") && valueAt(value, issue.path) === undefined;
  const message = missing ? `'${param}' is required` : `Invalid '${param}': ${issue.message}`;
  throw new GatewayError("bad_request", message, { code: "invalid_request_body", param: param || null });
}

/** The common request passes a cheap check and is used as is; anything else goes through the schema. */
export const parseChatRequest = (value: unknown): ChatRequest =>
  isPlainChatRequest(value) ? value : parseWith<ChatRequest>(chatRequestSchema, withModelFromModels(value));

/** OpenRouter's form without `model`: the first of `models` is the model, the rest its fallbacks (a copy; the caller's object is not changed). */
function withModelFromModels(value: unknown): unknown {
  if (!isRecord(value) || value.model !== undefined || !Array.isArray(value.models) || typeof value.models[0] !== "string") return value;
  return { ...value, model: value.models[0] };
}
export const parseEmbeddingsRequest = (value: unknown): EmbeddingsRequest => parseWith<EmbeddingsRequest>(embeddingsRequestSchema, value);
