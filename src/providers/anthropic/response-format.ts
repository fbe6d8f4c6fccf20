/**
 * OpenAI `response_format` on Anthropic.
 *
 * `json_schema` → `output_config.format: {type: "json_schema", schema}`,
 * Anthropic's structured outputs. Chosen over the older trick of forcing one
 * tool whose `input_schema` is the schema and returning its input as content:
 * - decoding is constrained to the schema, a guarantee like OpenAI's strict
 *   mode, where a forced tool is only "usually valid";
 * - the JSON arrives as ordinary text, so `message.content` and streamed
 *   `delta.content` need no rewriting and stream token by token;
 * - the client's own tools and `tool_choice` keep working, and so does
 *   extended thinking (which forbids a forced `tool_choice`);
 * - the finish reason stays truthful (a forced tool always ends in `tool_use`).
 * The cost: models older than the Claude 4.5 generation answer 400, and the
 * schema must fit Anthropic's subset (closed objects, no recursion, no numeric
 * or length constraints) — which schemas written for OpenAI's strict mode do.
 *
 * `json_object` → Anthropic has no schema-less JSON mode, so a system
 * instruction asks for one JSON object. Best effort, not a guarantee.
 */
import type { ResponseFormat } from "../../core/chat.js";
import type { MessagesRequestBody } from "./wire-types.js";

export const JSON_OBJECT_INSTRUCTION = "Respond with a single valid JSON object and nothing else: no prose, no code fences.";

function addSystemInstruction(body: MessagesRequestBody, text: string): void {
  if (body.system === undefined) body.system = text;
  else if (typeof body.system === "string") body.system = `${body.system}\n\n${text}`;
  else body.system = [...body.system, { type: "text", text }];
}

export function applyResponseFormat(body: MessagesRequestBody, format: ResponseFormat | undefined): void {
  if (!format || format.type === "text") return;
  if (format.type === "json_schema" && format.json_schema?.schema) {
    body.output_config = { ...body.output_config, format: { type: "json_schema", schema: format.json_schema.schema } };
    return;
  }
  if (format.type === "json_object" || format.type === "json_schema") addSystemInstruction(body, JSON_OBJECT_INSTRUCTION);
}
