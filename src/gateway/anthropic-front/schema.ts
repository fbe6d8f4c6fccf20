/**
 * Validation of Anthropic Messages requests (reference/providers.md §2). Fields
 * the translation reads are type-checked so a mistake gets a 400 naming the
 * exact path; other fields (cache_control, citations, service_tier, …) are
 * accepted as sent, as a client written for Anthropic sends them freely
 * (request.ts passes on what an Anthropic upstream can use).
 */
import { z } from "zod";
import { GatewayError } from "../../core/errors.js";
import { isRecord } from "../../core/record.js";
import { modelNameSchema } from "../http/model-name.js";
import { paramPath, valueAt } from "../http/wire-schemas.js";

const text = z.looseObject({ type: z.literal("text"), text: z.string() });

/** The block types the translation reads; any other (server tools' blocks, search results, …) only an Anthropic upstream reads. */
const TRANSLATED_BLOCK_TYPES: ReadonlySet<string> = new Set(["text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"]);

/** Another block type's name: a string the translation's `type === "text"` checks never match (so they narrow). */
export type OpaqueBlockType = string & { readonly opaque: true };

/** A block of another type, passed to Anthropic as sent (a native turn: providers/anthropic/native.ts). */
export interface OpaqueBlock {
  type: OpaqueBlockType;
  [key: string]: unknown;
}

/** Narrows a block to the types the translation reads (a type guard's false branch drops `OpaqueBlock`). */
export function isOpaqueBlock(block: { type: string }): block is OpaqueBlock {
  return !TRANSLATED_BLOCK_TYPES.has(block.type);
}

const opaqueBlock = z.custom<OpaqueBlock>((value) => isRecord(value) && typeof value.type === "string" && isOpaqueBlock(value as { type: string }));

const imageSource = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("base64"), media_type: z.string().min(1), data: z.string() }),
  z.looseObject({ type: z.literal("url"), url: z.string().min(1) }),
  z.looseObject({ type: z.literal("file"), file_id: z.string() }),
]);
const image = z.looseObject({ type: z.literal("image"), source: imageSource });

const documentSource = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("base64"), media_type: z.string().min(1), data: z.string() }),
  z.looseObject({ type: z.literal("text"), data: z.string() }),
  z.looseObject({ type: z.literal("content"), content: z.union([z.string(), z.array(z.discriminatedUnion("type", [text, image]))]) }),
  z.looseObject({ type: z.literal("url"), url: z.string().min(1) }),
  z.looseObject({ type: z.literal("file"), file_id: z.string() }),
]);
const document = z.looseObject({
  type: z.literal("document"),
  source: documentSource,
  title: z.string().nullish(),
  context: z.string().nullish(),
});

const toolUse = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});

const toolResult = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.union([z.discriminatedUnion("type", [text, image, document]), opaqueBlock]))]).optional(),
  is_error: z.boolean().optional(),
});

const thinking = z.looseObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.string().optional() });
const redactedThinking = z.looseObject({ type: z.literal("redacted_thinking"), data: z.string() });

const contentBlock = z.union([z.discriminatedUnion("type", [text, image, document, toolUse, toolResult, thinking, redactedThinking]), opaqueBlock]);

const message = z.looseObject({
  role: z.enum(["user", "assistant"], { error: "expected 'user' or 'assistant' (the system prompt goes in the top-level 'system' field)" }),
  content: z.union([z.string(), z.array(contentBlock)]),
});

const tool = z.looseObject({
  /** Absent or "custom" for client tools; dated types (web_search_20250305, …) are Anthropic server tools. */
  type: z.string().nullish(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().optional(),
});

const toolChoice = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal("tool"), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal("none") }),
]);

const jsonSchemaFormat = z.looseObject({ type: z.literal("json_schema"), schema: z.record(z.string(), z.unknown()) });

export const anthropicRequestSchema = z.looseObject({
  model: modelNameSchema,
  max_tokens: z.number().int().positive(),
  messages: z.array(message).min(1, "messages must contain at least one message"),
  system: z.union([z.string(), z.array(text)]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  thinking: z.looseObject({ type: z.string() }).optional(),
  output_config: z.looseObject({ format: jsonSchemaFormat.optional() }).optional(),
  /** The beta name of `output_config.format`. */
  output_format: jsonSchemaFormat.optional(),
  /** Switchyard's OpenRouter-style routing fields (DESIGN §3.3), accepted on this front too. */
  models: z.array(modelNameSchema).optional(),
  provider: z.looseObject({}).optional(),
});

export type AnthropicRequest = z.infer<typeof anthropicRequestSchema>;
export type AnthropicMessageParam = z.infer<typeof message>;
export type AnthropicContentBlock = z.infer<typeof contentBlock>;
export type AnthropicTextParam = z.infer<typeof text>;
export type AnthropicImageParam = z.infer<typeof image>;
export type AnthropicDocumentParam = z.infer<typeof document>;
export type AnthropicToolResultParam = z.infer<typeof toolResult>;
export type AnthropicToolParam = z.infer<typeof tool>;

type Issue = z.core.$ZodIssue;

/**
 * A union's issue names only "Invalid input"; descend into the branch that
 * matched the value's shape (the array branch for an array, the block whose
 * `type` matched) so the message names the field that is actually wrong.
 */
function innermost(issue: Issue, prefix: PropertyKey[]): { issue: Issue; path: PropertyKey[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return { issue, path };
  // A branch refused at the root for its type (or the opaque block's check) was not the one meant.
  const plausible = issue.errors.filter((branch) => !(branch.length === 1 && (branch[0]!.code === "invalid_type" || branch[0]!.code === "custom") && branch[0]!.path.length === 0));
  if (plausible.length !== 1) return { issue, path };
  return innermost(plausible[0]![0]!, path);
}

function describe(issue: Issue, path: PropertyKey[], body: unknown): string {
  const param = paramPath(path);
  if (issue.code === "invalid_union" && issue.discriminator !== undefined && "options" in issue && issue.options) {
    const given = valueAt(body, path);
    const allowed = issue.options.map(String).join(", ");
    return given === undefined ? `'${param}' is required (one of: ${allowed})` : `Invalid '${param}': unsupported value ${JSON.stringify(given)} (expected one of: ${allowed})`;
  }
  if (issue.code === "invalid_type" && valueAt(body, path) === undefined) return `'${param}' is required`;
  return `Invalid '${param}': ${issue.message}`;
}

/** Validates a parsed JSON body; throws a 400 GatewayError naming the first wrong field. */
/** A count_tokens request: a Messages request without `max_tokens` (nothing is generated). */
const countTokensRequestSchema = anthropicRequestSchema.extend({ max_tokens: z.number().int().positive().optional() });
export type AnthropicCountTokensRequest = z.infer<typeof countTokensRequestSchema>;

export function parseAnthropicRequest(body: unknown): AnthropicRequest {
  return parseWith(anthropicRequestSchema, body);
}

export function parseAnthropicCountTokensRequest(body: unknown): AnthropicCountTokensRequest {
  return parseWith(countTokensRequestSchema, body);
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new GatewayError("bad_request", "Request body must be a JSON object", { code: "invalid_request_body" });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const { issue, path } = innermost(result.error.issues[0]!, []);
  throw new GatewayError("bad_request", describe(issue, path, body), { code: "invalid_request_body", param: paramPath(path) || null });
}
