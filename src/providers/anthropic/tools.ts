import type { FunctionTool, ToolChoice } from "../../core/chat.js";
import { asRecord } from "../../core/record.js";
import { badRequest } from "./content.js";
import type { ToolChoiceParam, ToolParam } from "./wire-types.js";

/** OpenAI function tools → Anthropic tools (`parameters` becomes `input_schema`, which must be an object schema). */
export function toAnthropicTools(tools: FunctionTool[] | undefined): ToolParam[] | undefined {
  if (!tools || tools.length === 0) return undefined;
  return tools.map((tool, i) => {
    if (tool.type !== "function" || !tool.function) {
      throw badRequest(`Anthropic supports function tools only, not '${String(tool.type)}'`, `tools[${i}].type`);
    }
    const { name, description, parameters, strict } = tool.function;
    const converted: ToolParam = { name, input_schema: { type: "object", ...parameters } };
    if (description) converted.description = description;
    // Anthropic's strict tool use is the same guarantee as OpenAI's strict function calling.
    if (strict === true) converted.strict = true;
    // A prompt-caching breakpoint on the tool (LiteLLM's and the Anthropic front's place for it).
    const cacheControl = asRecord((tool as FunctionTool & { cache_control?: unknown }).cache_control);
    if (cacheControl) converted.cache_control = cacheControl;
    return converted;
  });
}

/**
 * OpenAI `tool_choice` + `parallel_tool_calls` → Anthropic `tool_choice`.
 * `required` is `any`; a named function is `tool`; parallel calls are
 * disabled on the choice itself (not meaningful for `none`).
 */
export function toAnthropicToolChoice(
  choice: ToolChoice | undefined,
  parallelToolCalls: boolean | undefined,
  hasTools: boolean,
): ToolChoiceParam | undefined {
  // Anthropic rejects a tool_choice without tools; OpenAI clients send it only with tools anyway.
  if (!hasTools) return undefined;
  const parallel = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallelToolCalls === false ? { type: "auto", ...parallel } : undefined;
  if (choice === "none") return { type: "none" };
  if (choice === "auto") return { type: "auto", ...parallel };
  if (choice === "required") return { type: "any", ...parallel };
  if (typeof choice === "object" && choice.type === "function" && typeof choice.function?.name === "string") {
    return { type: "tool", name: choice.function.name, ...parallel };
  }
  throw badRequest("tool_choice must be 'none', 'auto', 'required' or {type:'function', function:{name}}", "tool_choice");
}
