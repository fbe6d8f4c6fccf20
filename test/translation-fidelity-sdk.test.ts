/**
 * The official openai SDK against Anthropic and Gemini deployments whose fakes
 * enforce what the real APIs validate: requests that OpenAI (or another
 * provider) accepts must not come back as a 400 from the translation.
 * - Anthropic: `tool_use.id` must match ^[a-zA-Z0-9_-]+$ (Kimi K2 hosts mint `functions.f:0`);
 * - Gemini: `contents` must not be empty; every schema needs a `type`.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sendJson } from "./helpers/fake-upstream.js";
import { sendRecorded } from "./helpers/provider-fixtures.js";
import { startTranslatedGateway, type TranslatedGateway } from "./helpers/translated-gateway.js";

let setup: TranslatedGateway;
let client: OpenAI;

const ANTHROPIC_TOOL_ID = /^[a-zA-Z0-9_-]+$/;

/** Anthropic's check of tool ids in the history, as its 400 reports it. */
function badAnthropicToolId(body: Record<string, unknown> | undefined): string | undefined {
  for (const message of (body?.messages ?? []) as Array<{ content: unknown }>) {
    for (const block of Array.isArray(message.content) ? (message.content as Array<Record<string, unknown>>) : []) {
      const id = block.type === "tool_use" ? block.id : block.type === "tool_result" ? block.tool_use_id : undefined;
      if (typeof id === "string" && !ANTHROPIC_TOOL_ID.test(id)) return id;
    }
  }
  return undefined;
}

/** Where Gemini would refuse the request, in its own words; undefined when it would not. */
function geminiRefusal(body: Record<string, unknown> | undefined): string | undefined {
  if (!Array.isArray(body?.contents) || body.contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified";
  const untyped = (schema: unknown): boolean => {
    if (schema === null || typeof schema !== "object") return false;
    const node = schema as Record<string, unknown>;
    if (node.type === undefined && node.anyOf === undefined) return true;
    return Object.values((node.properties ?? {}) as Record<string, unknown>).some(untyped) || untyped(node.items);
  };
  const declarations = ((body.tools ?? []) as Array<{ functionDeclarations?: Array<{ parameters?: unknown }> }>).flatMap((tool) => tool.functionDeclarations ?? []);
  return declarations.some((declaration) => declaration.parameters !== undefined && untyped(declaration.parameters))
    ? "* GenerateContentRequest.tools[0].function_declarations[0].parameters.type: must be specified"
    : undefined;
}

beforeAll(async () => {
  setup = await startTranslatedGateway({
    anthropic: (request, res) => {
      const bad = badAnthropicToolId(request.body);
      if (bad === undefined) return sendRecorded(res, "anthropic", "anthropic-text", false);
      sendJson(res, 400, { type: "error", error: { type: "invalid_request_error", message: "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'" } });
    },
    gemini: (request, res) => {
      const refusal = geminiRefusal(request.body);
      if (refusal === undefined) return sendRecorded(res, "gemini", "gemini-text", false);
      sendJson(res, 400, { error: { code: 400, message: refusal, status: "INVALID_ARGUMENT" } });
    },
  });
  client = setup.client;
});
afterAll(() => setup.close());

it("a tool-call history with another provider's ids continues on Claude", async () => {
  const completion = await client.chat.completions.create({
    model: "claude/claude-sonnet-4-5",
    messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: "functions.get_weather:0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "functions.get_weather:0", content: "18°C" },
    ],
  });
  expect(completion.choices[0]!.finish_reason).toBe("stop");
  const [, assistant, results] = setup.anthropic.requests.at(-1)!.body!.messages as Array<{ content: Array<{ id?: string; tool_use_id?: string }> }>;
  expect(results!.content[0]!.tool_use_id).toBe(assistant!.content[0]!.id);
});

it("a Gemini tool whose parameters leave out `type`, as JSON Schema allows", async () => {
  const completion = await client.chat.completions.create({
    model: "google/gemini-2.5-flash",
    messages: [{ role: "user", content: "Weather in Paris?" }],
    tools: [{ type: "function", function: { name: "get_weather", parameters: { properties: { city: { type: "string" }, days: { items: { type: "integer" } } } } } }],
  });
  expect(completion.choices[0]!.message.content).toBeTruthy();
});

it("a system-only conversation on Gemini, as OpenAI answers it", async () => {
  const completion = await client.chat.completions.create({ model: "google/gemini-2.5-flash", messages: [{ role: "system", content: "Tell a joke." }] });
  expect(completion.choices[0]!.message.content).toBeTruthy();
});
