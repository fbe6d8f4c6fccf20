/**
 * A canonical (OpenAI-shaped) chat request → an Anthropic Messages body.
 *
 * Dropped because Anthropic has no equivalent: seed, logprobs, penalties,
 * OpenAI `metadata`, `reasoning_effort` (thinking budgets and effort levels
 * differ per Claude model and reject other settings, so mapping them blindly
 * would turn working requests into 400s; Anthropic's own `thinking` is passed
 * through instead).
 */
import type { ChatRequest } from "../../core/chat.js";
import { asRecord } from "../../core/record.js";
import { ANTHROPIC_EXTRAS } from "./out-of-band.js";
import { badRequest } from "./content.js";
import { defaultMaxTokens } from "./max-tokens.js";
import { toAnthropicConversation } from "./messages.js";
import { applyResponseFormat } from "./response-format.js";
import { toAnthropicToolChoice, toAnthropicTools } from "./tools.js";
import { webSearchTool } from "./web-search.js";
import type { MessagesRequestBody } from "./wire-types.js";

function applySampling(body: MessagesRequestBody, request: ChatRequest): void {
  if (typeof request.temperature === "number") {
    // OpenAI's range is 0–2, Anthropic's 0–1.
    body.temperature = Math.min(1, Math.max(0, request.temperature));
  }
  // Claude 4.5+ models reject temperature and top_p together; OpenAI clients mostly tune temperature
  // and send top_p as a default, so temperature wins.
  if (typeof request.top_p === "number" && body.temperature === undefined) body.top_p = request.top_p;
  if (request.stop !== undefined && request.stop !== null) {
    // Anthropic rejects whitespace-only stop sequences.
    const stops = (typeof request.stop === "string" ? [request.stop] : request.stop).filter((stop) => stop.trim() !== "");
    if (stops.length > 0) body.stop_sequences = stops;
  }
}

/**
 * Anthropic-native fields a client may send beside the OpenAI ones; passed through as given.
 * Fields the Anthropic front could not translate (`service_tier`, `context_management`, …)
 * follow, never in place of one the translation set.
 */
function applyNativeExtras(body: MessagesRequestBody, request: ChatRequest): void {
  if (typeof request.top_k === "number") body.top_k = request.top_k;
  const thinking = asRecord(request.thinking);
  if (thinking) body.thinking = thinking;
  const outputConfig = asRecord(request.output_config);
  if (outputConfig) body.output_config = { ...outputConfig, ...body.output_config };
  const extras = asRecord(request[ANTHROPIC_EXTRAS]);
  if (extras) for (const [key, value] of Object.entries(extras)) if (!(key in body)) (body as unknown as Record<string, unknown>)[key] = value;
}

export function toAnthropicRequest(request: ChatRequest, model: string): MessagesRequestBody {
  if (typeof request.n === "number" && request.n > 1) {
    throw badRequest("Anthropic returns one choice per request; 'n' must be 1", "n");
  }
  const { system, messages } = toAnthropicConversation(request.messages);
  const body: MessagesRequestBody = {
    model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens(model),
    messages,
  };
  if (system !== undefined) body.system = system;
  applySampling(body, request);
  if (typeof request.user === "string" && request.user !== "") body.metadata = { user_id: request.user };
  // OpenAI's web search (search models' `web_search_options`) is Anthropic's web search server tool.
  const search = webSearchTool(request.web_search_options);
  const functions = toAnthropicTools(request.tools);
  const tools = search ? [...(functions ?? []), search] : functions;
  if (tools) body.tools = tools;
  const toolChoice = toAnthropicToolChoice(request.tool_choice, request.parallel_tool_calls, functions !== undefined);
  if (toolChoice) body.tool_choice = toolChoice;
  applyResponseFormat(body, request.response_format);
  applyNativeExtras(body, request);
  if (request.stream === true) body.stream = true;
  return body;
}
