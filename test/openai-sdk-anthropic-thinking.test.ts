/**
 * The official openai SDK in a tool loop with Anthropic's extended thinking on,
 * through `POST /v1/chat/completions` to an Anthropic deployment. Anthropic
 * wants the assistant turn's signed thinking (and redacted thinking) back,
 * unchanged and before its tool_use, when the loop continues; the fake upstream
 * refuses the second turn otherwise, as Anthropic does. The answer's
 * `thinking_blocks` must carry them: the client appends the message it got
 * (whole, or assembled from the stream) and sends it back.
 */
import Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sendJson, type FakeHandler } from "./helpers/fake-upstream.js";
import { validateOpenAI } from "./helpers/openapi.js";
import { providerFixture, sendRecorded } from "./helpers/provider-fixtures.js";
import { startTranslatedGateway, type TranslatedGateway } from "./helpers/translated-gateway.js";

type MessageParam = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type Block = { type: string; [key: string]: unknown };

/** The turn the fixture answers first: signed thinking, redacted thinking, text, a tool call. */
const firstTurn = JSON.parse(providerFixture("anthropic", "anthropic-thinking-tool-use.json")) as { content: Block[] };

/** Anthropic's check on a continued tool loop with thinking on, and its words when it fails. */
function thinkingRefusal(body: Record<string, unknown>): string | undefined {
  if ((body.thinking as { type?: string } | undefined)?.type !== "enabled") return undefined;
  const messages = body.messages as Array<{ role: string; content: string | Block[] }>;
  const index = messages.findLastIndex((message) => message.role === "assistant");
  const content = messages[index]?.content;
  if (!Array.isArray(content) || !content.some((block) => block.type === "tool_use")) return undefined;
  const first = content[0]!;
  if (first.type === "redacted_thinking" || (first.type === "thinking" && typeof first.signature === "string" && first.signature !== "")) return undefined;
  return `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`;
}

const anthropicUpstream: FakeHandler = (request, res) => {
  const body = request.body ?? {};
  const stream = body.stream === true;
  const continued = (body.messages as Array<{ role: string }>).length > 1;
  if (!continued) return sendRecorded(res, "anthropic", "anthropic-thinking-tool-use", stream);
  const refusal = thinkingRefusal(body);
  if (refusal) return sendJson(res, 400, { type: "error", error: { type: "invalid_request_error", message: refusal } });
  sendRecorded(res, "anthropic", "anthropic-text", stream);
};

let setup: TranslatedGateway;

beforeAll(async () => {
  setup = await startTranslatedGateway({ anthropic: anthropicUpstream });
});
afterAll(() => setup.close());
beforeEach(() => {
  setup.anthropic.requests.length = 0;
});

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } } },
];
// Anthropic's own field, which the SDK sends as written.
const base = { model: "claude/claude-sonnet-4-5", max_tokens: 2048, tools, thinking: { type: "enabled", budget_tokens: 1024 } };
const question: MessageParam = { role: "user", content: "What's the weather in Paris?" };

/** The second turn's history: the question, the assistant message as the client got it, the tool's answer. */
function continued(assistant: OpenAI.Chat.Completions.ChatCompletionMessage): MessageParam[] {
  return [question, assistant as MessageParam, { role: "tool", tool_call_id: assistant.tool_calls![0]!.id, content: "15 °C, sunny" }];
}

/** What the upstream got back as the assistant turn: the first answer's blocks, as Anthropic wrote them. */
function expectReplayedTurn(): void {
  const requests = setup.anthropic.requests;
  expect(requests).toHaveLength(2);
  const messages = requests[1]!.body!.messages as Array<{ role: string; content: Block[] }>;
  expect(messages[1]).toEqual({ role: "assistant", content: firstTurn.content });
  expect(messages[1]!.content.map((block) => block.type)).toEqual(["thinking", "redacted_thinking", "text", "tool_use"]);
}

describe("a tool loop with Anthropic's thinking through /v1/chat/completions", () => {
  it("non-stream: the message carries thinking_blocks, and sent back as received the loop continues", async () => {
    const first = await setup.client.chat.completions.create({ ...base, messages: [question] });
    validateOpenAI("CreateChatCompletionResponse", first);
    const assistant = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect((assistant as { reasoning_content?: string }).reasoning_content).toBe(firstTurn.content[0]!.thinking);
    expect((assistant as { thinking_blocks?: Block[] }).thinking_blocks).toEqual(firstTurn.content.slice(0, 2));

    const second = await setup.client.chat.completions.create({ ...base, messages: continued(assistant) });
    expect(second.choices[0]!.message.content).toBe("Hello! How can I help you today?");
    expectReplayedTurn();

    // Without them, the upstream refuses the turn, as Anthropic does.
    const { thinking_blocks: _dropped, ...withoutBlocks } = assistant as typeof assistant & { thinking_blocks?: Block[] };
    await expect(setup.client.chat.completions.create({ ...base, messages: continued(withoutBlocks) })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("Expected `thinking` or `redacted_thinking`, but found `text`"),
    });
  });

  it("stream: each block comes once, whole, on a delta before the tool call; assembled and sent back, the loop continues", async () => {
    const stream = await setup.client.chat.completions.create({ ...base, stream: true, messages: [question] });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      validateOpenAI("CreateChatCompletionStreamResponse", chunk);
      chunks.push(chunk);
    }
    const blocksOf = (chunk: OpenAI.Chat.Completions.ChatCompletionChunk) => (chunk.choices[0]?.delta as { thinking_blocks?: Block[] } | undefined)?.thinking_blocks;
    const carriers = chunks.filter((chunk) => blocksOf(chunk) !== undefined);
    expect(carriers.map(blocksOf)).toEqual([[firstTurn.content[0]], [firstTurn.content[1]]]);
    expect(chunks.indexOf(carriers[1]!)).toBeLessThan(chunks.findIndex((chunk) => chunk.choices[0]?.delta.tool_calls));

    // The message as a client assembles it: text and reasoning concatenated, tool calls by index, thinking blocks in order.
    let content = "";
    let reasoning = "";
    const thinkingBlocks: Block[] = [];
    const toolCalls: OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall[] = [];
    for (const chunk of chunks) {
      const delta = chunk.choices[0]?.delta;
      if (!delta) continue;
      content += delta.content ?? "";
      reasoning += (delta as { reasoning_content?: string }).reasoning_content ?? "";
      thinkingBlocks.push(...(blocksOf(chunk) ?? []));
      for (const call of delta.tool_calls ?? []) {
        const entry = (toolCalls[call.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
        if (call.id) entry.id = call.id;
        if (call.function?.name) entry.function.name = call.function.name;
        entry.function.arguments += call.function?.arguments ?? "";
      }
    }
    const assistant = { role: "assistant", content, refusal: null, tool_calls: toolCalls, reasoning_content: reasoning, thinking_blocks: thinkingBlocks };

    const second = await setup.client.chat.completions.create({ ...base, stream: true, messages: continued(assistant as OpenAI.Chat.Completions.ChatCompletionMessage) });
    let answer = "";
    for await (const chunk of second) answer += chunk.choices[0]?.delta.content ?? "";
    expect(answer).toBe("Hello! How can I help you today?");
    expectReplayedTurn();
  });
});

describe("the same answer through /v1/messages", () => {
  it("renders the blocks as Anthropic wrote them, whole and streamed", async () => {
    const client = new Anthropic({ apiKey: "x", baseURL: "http://gw", fetch: setup.gateway.fetch, maxRetries: 0 });
    const params = {
      model: base.model,
      max_tokens: base.max_tokens,
      thinking: { type: "enabled", budget_tokens: 1024 } as const,
      tools: [{ name: "get_weather", input_schema: { type: "object" as const, properties: { location: { type: "string" } } } }],
      messages: [{ role: "user" as const, content: "What's the weather in Paris?" }],
    };
    expect((await client.messages.create(params)).content).toEqual(firstTurn.content);
    expect((await client.messages.stream(params).finalMessage()).content).toEqual(firstTurn.content);
  });
});
