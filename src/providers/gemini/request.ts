/**
 * Chat-completions request → `GenerateContentRequest` (providers.md §3, §12.2).
 * System and developer messages become `systemInstruction`; consecutive turns of
 * one role are merged (Gemini wants user/model alternation); tool results go
 * back as `functionResponse` parts named after the call they answer; a
 * conversation with no turn at all (system-only) gets a placeholder user turn;
 * `web_search_options` adds the `google_search` tool (grounding.ts).
 */
import type { ChatMessage, ChatRequest, FunctionTool } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { PLACEHOLDER_USER_TURN } from "../placeholder-turn.js";
import { checkStopSequenceCount } from "../stop-sequences.js";
import { textOf, userParts } from "./content-parts.js";
import { googleSearchTool } from "./grounding.js";
import { toGeminiParameters, toGeminiSchema } from "./schema.js";
import type {
  FunctionCallingMode, GeminiContent, GeminiFunctionDeclaration, GeminiGenerateContentRequest, GeminiGenerationConfig, GeminiPart, GeminiRole,
} from "./wire-types.js";

/**
 * Google's documented placeholder for a function call whose thought signature
 * was lost. Gemini 3+ rejects replayed calls without one, and an OpenAI-shaped
 * history cannot carry the real signature.
 */
export const SKIP_THOUGHT_SIGNATURE = "skip_thought_signature_validator";

/**
 * `reasoning_effort` → `thinkingBudget`, the values Google's own OpenAI-compatible
 * endpoint uses (low 1K, medium 8K, high 24K; none turns thinking off).
 */
const THINKING_BUDGET: Record<string, number> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576 };

function badRequest(message: string, param: string): GatewayError {
  return new GatewayError("bad_request", message, { param });
}

/** Gemini 3 and later enforce thought signatures on replayed function calls. */
export function requiresThoughtSignature(model: string): boolean {
  const major = /^(?:models\/)?gemini-(\d+)/.exec(model)?.[1];
  return major !== undefined && Number(major) >= 3;
}

function pushTurn(contents: GeminiContent[], role: GeminiRole, parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let args: unknown;
  try {
    args = JSON.parse(text);
  } catch {
    throw badRequest("Tool call arguments are not valid JSON", param);
  }
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    throw badRequest("Tool call arguments must be a JSON object", param);
  }
  return args as Record<string, unknown>;
}

function assistantParts(message: ChatMessage, param: string, toolNames: Map<string, string>, signCalls: boolean): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const text = textOf(message.content, param);
  if (text.length > 0) parts.push({ text });
  (message.tool_calls ?? []).forEach((call, index) => {
    const where = `${param}.tool_calls[${index}]`;
    if (call.type !== "function" || typeof call.function?.name !== "string") {
      throw badRequest("Only function tool calls are supported for this provider", where);
    }
    toolNames.set(call.id, call.function.name);
    const part: GeminiPart = {
      functionCall: { name: call.function.name, args: parseArguments(call.function.arguments ?? "", `${where}.function.arguments`) },
    };
    // Parallel calls carry one signature, on the first call of the step.
    if (signCalls && index === 0) part.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
    parts.push(part);
  });
  return parts;
}

/** A tool result as `functionResponse`; Gemini wants an object, so other JSON and plain text are wrapped. */
function toolResultPart(message: ChatMessage, param: string, toolNames: Map<string, string>): GeminiPart {
  const name = (message.tool_call_id !== undefined ? toolNames.get(message.tool_call_id) : undefined) ?? message.name;
  if (typeof name !== "string" || name.length === 0) {
    throw badRequest("Tool message does not answer a tool call made earlier in the conversation", `${param}.tool_call_id`);
  }
  const text = textOf(message.content, param);
  let response: Record<string, unknown> = { content: text };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) response = parsed as Record<string, unknown>;
  } catch {
    // Plain text stays wrapped.
  }
  return { functionResponse: { name, response } };
}

function functionDeclarationsOf(tools: FunctionTool[] | undefined): GeminiFunctionDeclaration[] | undefined {
  if (!tools || tools.length === 0) return undefined;
  return tools.map((tool, index) => {
    if (tool.type !== "function" || typeof tool.function?.name !== "string") {
      throw badRequest("Only function tools are supported for this provider", `tools[${index}]`);
    }
    const parameters = toGeminiParameters(tool.function.parameters);
    return {
      name: tool.function.name,
      ...(tool.function.description !== undefined && { description: tool.function.description }),
      ...(parameters && { parameters }),
    };
  });
}

function toolConfigOf(choice: unknown): GeminiGenerateContentRequest["toolConfig"] {
  const config = (mode: FunctionCallingMode, allowedFunctionNames?: string[]) => ({
    functionCallingConfig: { mode, ...(allowedFunctionNames && { allowedFunctionNames }) },
  });
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto") return config("AUTO");
  if (choice === "none") return config("NONE");
  if (choice === "required") return config("ANY");
  const named = choice as { type?: unknown; function?: { name?: unknown }; allowed_tools?: { mode?: unknown; tools?: unknown } };
  if (named.type === "function" && typeof named.function?.name === "string") return config("ANY", [named.function.name]);
  if (named.type === "allowed_tools" && Array.isArray(named.allowed_tools?.tools)) {
    const names = named.allowed_tools.tools
      .map((tool: { function?: { name?: unknown } }) => tool?.function?.name)
      .filter((name): name is string => typeof name === "string");
    return config(named.allowed_tools.mode === "required" ? "ANY" : "AUTO", names);
  }
  throw badRequest("Unsupported tool_choice", "tool_choice");
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Google's `GenerationConfig.stopSequences`: "The set of character sequences (up to 5)". */
const MAX_STOP_SEQUENCES = 5;

function stopSequencesOf(stop: ChatRequest["stop"]): string[] | undefined {
  const list = typeof stop === "string" ? [stop] : Array.isArray(stop) ? stop.filter((item) => typeof item === "string") : [];
  checkStopSequenceCount(list.length, MAX_STOP_SEQUENCES, "Gemini");
  return list.length > 0 ? list : undefined;
}

function generationConfigOf(request: ChatRequest): GeminiGenerationConfig | undefined {
  const config: GeminiGenerationConfig = {
    maxOutputTokens: num(request.max_completion_tokens) ?? num(request.max_tokens),
    temperature: num(request.temperature),
    topP: num(request.top_p),
    topK: num(request.top_k),
    stopSequences: stopSequencesOf(request.stop),
    candidateCount: num(request.n),
    seed: num(request.seed),
    presencePenalty: num(request.presence_penalty),
    frequencyPenalty: num(request.frequency_penalty),
  };
  if (request.logprobs === true) {
    config.responseLogprobs = true;
    config.logprobs = num(request.top_logprobs);
  }
  const format = request.response_format;
  if (format?.type === "json_object" || format?.type === "json_schema") config.responseMimeType = "application/json";
  if (format?.type === "json_schema") {
    const schema = toGeminiSchema(format.json_schema?.schema);
    if (schema && Object.keys(schema).length > 0) config.responseSchema = schema;
  }
  const effort = request.reasoning_effort;
  if (typeof effort === "string" && Object.hasOwn(THINKING_BUDGET, effort)) {
    const thinkingBudget = THINKING_BUDGET[effort]!;
    config.thinkingConfig = thinkingBudget > 0 ? { thinkingBudget, includeThoughts: true } : { thinkingBudget };
  } else {
    // Anthropic's form, from /v1/messages clients (or chat clients of an alias mixing providers).
    const thinking = (request as { thinking?: { type?: unknown; budget_tokens?: unknown } }).thinking;
    const budget = thinking?.type === "enabled" ? num(thinking.budget_tokens) : undefined;
    if (budget !== undefined && budget > 0) config.thinkingConfig = { thinkingBudget: budget, includeThoughts: true };
  }
  const entries = Object.entries(config).filter(([, value]) => value !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as GeminiGenerationConfig) : undefined;
}

/** Builds the upstream body; throws a bad_request GatewayError for input Gemini cannot express. */
export function toGeminiRequest(request: ChatRequest, model: string): GeminiGenerateContentRequest {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  const signCalls = requiresThoughtSignature(model);
  request.messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textOf(message.content, param);
        if (text.length > 0) system.push({ text });
        break;
      }
      case "user":
        pushTurn(contents, "user", userParts(message.content, param));
        break;
      case "assistant":
        pushTurn(contents, "model", assistantParts(message, param, toolNames, signCalls));
        break;
      case "tool":
      case "function":
        pushTurn(contents, "user", [toolResultPart(message, param, toolNames)]);
        break;
      default:
        throw badRequest(`Unsupported message role '${String(message.role)}'`, `${param}.role`);
    }
  });
  if (contents.length === 0) contents.push({ role: "user", parts: [{ text: PLACEHOLDER_USER_TURN }] });
  const body: GeminiGenerateContentRequest = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const functionDeclarations = functionDeclarationsOf(request.tools);
  if (functionDeclarations) body.tools = [{ functionDeclarations }];
  // OpenAI's web search (search models' `web_search_options`) is Grounding with Google Search (grounding.ts).
  const search = googleSearchTool(request.web_search_options);
  if (search) body.tools = [...(body.tools ?? []), search];
  // A tool_choice without function tools means nothing to Gemini (and it may reject the config).
  const toolConfig = functionDeclarations ? toolConfigOf(request.tool_choice) : undefined;
  if (toolConfig) body.toolConfig = toolConfig;
  const generationConfig = generationConfigOf(request);
  if (generationConfig) body.generationConfig = generationConfig;
  return body;
}
