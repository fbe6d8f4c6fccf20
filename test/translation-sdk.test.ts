/**
 * The official openai SDK against Anthropic and Gemini deployments: parallel
 * tool calls arrive the same streamed and non-streamed, with stable ids and
 * indexes, one finish reason, and schema-valid chunks.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateOpenAI } from "./helpers/openapi.js";
import { sendRecorded } from "./helpers/provider-fixtures.js";
import { startTranslatedGateway, type TranslatedGateway } from "./helpers/translated-gateway.js";

let setup: TranslatedGateway;
let client: OpenAI;

beforeAll(async () => {
  setup = await startTranslatedGateway({
    anthropic: (request, res) => sendRecorded(res, "anthropic", "anthropic-tool-use-parallel", request.body?.stream === true),
    gemini: (request, res) => sendRecorded(res, "gemini", "gemini-tool-calls", request.url.includes(":streamGenerateContent")),
  });
  client = setup.client;
});
afterAll(() => setup.close());

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" }, city: { type: "string" }, unit: { type: "string" } } } } },
  { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } },
];

const expected = {
  "claude/claude-sonnet-4-5": [["get_weather", { location: "Paris, France", unit: "celsius" }], ["get_weather", { location: "Tokyo, Japan", unit: "celsius" }], ["get_time", {}]],
  "google/gemini-2.5-pro": [["get_weather", { city: "Paris", unit: "celsius" }], ["get_weather", { city: "London", unit: "celsius" }]],
} as const;

describe("parallel tool calls through native adapters", () => {
  for (const [model, calls] of Object.entries(expected)) {
    it(`${model}: stream and non-stream agree`, async () => {
      const whole = await client.chat.completions.create({ model, tools, messages: [{ role: "user", content: "Weather in two cities?" }] });
      validateOpenAI("CreateChatCompletionResponse", whole);
      const choice = whole.choices[0]!;
      expect(choice.finish_reason).toBe("tool_calls");
      const wholeCalls = choice.message.tool_calls!.map((c) => (c.type === "function" ? [c.function.name, JSON.parse(c.function.arguments)] : []));
      expect(wholeCalls).toEqual(calls);
      expect(new Set(choice.message.tool_calls!.map((c) => c.id)).size).toBe(calls.length);

      const stream = await client.chat.completions.create({ model, tools, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Weather in two cities?" }] });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const part of stream) {
        validateOpenAI("CreateChatCompletionStreamResponse", part);
        chunks.push(part);
      }
      expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason)).toEqual(["tool_calls"]);
      expect(chunks.filter((c) => c.choices[0]?.delta.role).length).toBe(1);
      const assembled = new Map<number, { id?: string; name?: string; args: string }>();
      for (const c of chunks) {
        for (const call of c.choices[0]?.delta.tool_calls ?? []) {
          const entry = assembled.get(call.index) ?? { args: "" };
          if (call.id) {
            expect(entry.id).toBeUndefined(); // an id is sent once per call
            entry.id = call.id;
          }
          if (call.function?.name) entry.name = call.function.name;
          entry.args += call.function?.arguments ?? "";
          assembled.set(call.index, entry);
        }
      }
      expect([...assembled.keys()]).toEqual(calls.map((_, i) => i));
      expect([...assembled.values()].map((e) => [e.name, JSON.parse(e.args)])).toEqual(calls);
      expect(chunks.at(-1)!.usage!.completion_tokens).toBe(whole.usage!.completion_tokens);
      expect(chunks.at(-1)!.usage!.prompt_tokens).toBe(whole.usage!.prompt_tokens);
    });
  }
});
