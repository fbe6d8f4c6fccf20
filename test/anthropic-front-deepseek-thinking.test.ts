/**
 * The Anthropic SDK's tool loop with thinking on, served by DeepSeek through
 * `/v1/messages`. DeepSeek thinks unless told not to (`thinking: { type }`, the
 * same name as Anthropic's), and an assistant turn that called tools must come
 * back with its `reasoning_content`, or DeepSeek answers 400. The fake below
 * refuses exactly that, as DeepSeek does; an OpenAI deployment is sent neither.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { completionBody, sendJson, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

let deepseek: FakeUpstream;
let openai: FakeUpstream;
let gateway: Gateway;
let client: Anthropic;

type Message = { role: string; tool_calls?: unknown[]; reasoning_content?: unknown };

beforeAll(async () => {
  deepseek = await startFakeUpstream((request, res) => {
    const messages = (request.body?.messages ?? []) as Message[];
    const missing = messages.findIndex((message) => message.role === "assistant" && message.tool_calls && typeof message.reasoning_content !== "string");
    if (missing >= 0) {
      return sendJson(res, 400, { error: { message: `Missing \`reasoning_content\` field in the assistant message at message index ${missing}`, type: "invalid_request_error", param: null, code: "invalid_request_error" } });
    }
    if (messages.at(-1)?.role === "tool") return sendJson(res, 200, completionBody("deepseek-v4-flash", "Sunny in Paris.", {}));
    const call = { id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
    const body = completionBody("deepseek-v4-flash", "", {});
    (body.choices as Array<Record<string, unknown>>)[0] = { index: 0, message: { role: "assistant", content: "", reasoning_content: "The user wants the weather; call the tool.", tool_calls: [call] }, logprobs: null, finish_reason: "tool_calls" };
    return sendJson(res, 200, body);
  });
  openai = await startFakeUpstream();
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: {
        deepseek: { type: "deepseek", base_url: deepseek.baseUrl, api_key: "sk-deepseek-test-0000" },
        openai: { type: "openai", base_url: openai.baseUrl, api_key: "sk-openai-test-0000" },
      },
    },
  });
  client = new Anthropic({ apiKey: "x", baseURL: "http://gw", fetch: gateway.fetch, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await deepseek.close();
  await openai.close();
});

const tools: Anthropic.Tool[] = [{ name: "get_weather", description: "Weather of a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }];
const question: Anthropic.MessageParam = { role: "user", content: "Weather in Paris?" };

it("a tool loop with thinking: the thinking toggle goes up, and the tool turn comes back with its reasoning", async () => {
  const first = await client.messages.create({ model: "deepseek/deepseek-v4-flash", max_tokens: 512, thinking: { type: "enabled", budget_tokens: 256 }, tools, messages: [question] });
  expect(deepseek.requests.at(-1)!.body?.thinking).toEqual({ type: "enabled" });
  expect(first.content.map((block) => block.type)).toEqual(["thinking", "tool_use"]);
  const toolUse = first.content.find((block) => block.type === "tool_use")!;

  const second = await client.messages.create({
    model: "deepseek/deepseek-v4-flash",
    max_tokens: 512,
    thinking: { type: "enabled", budget_tokens: 256 },
    tools,
    messages: [question, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "18°C, sunny" }] }],
  });
  expect(second.content).toEqual([{ type: "text", text: "Sunny in Paris." }]);
  const sent = deepseek.requests.at(-1)!.body!.messages as Message[];
  expect(sent[1]).toMatchObject({ role: "assistant", reasoning_content: "The user wants the weather; call the tool." });
});

it("thinking turned off reaches DeepSeek as off", async () => {
  await client.messages.create({ model: "deepseek/deepseek-v4-flash", max_tokens: 64, thinking: { type: "disabled" }, messages: [{ role: "user", content: "Hi" }] });
  expect(deepseek.requests.at(-1)!.body?.thinking).toEqual({ type: "disabled" });
});

it("an OpenAI deployment gets neither the toggle nor the reasoning", async () => {
  await client.messages.create({
    model: "openai/gpt-4o-mini",
    max_tokens: 64,
    thinking: { type: "enabled", budget_tokens: 256 },
    tools,
    messages: [
      question,
      { role: "assistant", content: [{ type: "thinking", thinking: "Call the tool.", signature: "" }, { type: "tool_use", id: "call_0", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_0", content: "18°C" }] },
    ],
  });
  const body = openai.requests.at(-1)!.body!;
  expect(body.thinking).toBeUndefined();
  expect((body.messages as Message[])[1]).not.toHaveProperty("reasoning_content");
});
