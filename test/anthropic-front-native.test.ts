/**
 * The official Anthropic SDK through `POST /v1/messages` to an Anthropic
 * upstream (fixtures from src/providers/anthropic/__fixtures__): what only
 * Anthropic understands (thinking, cache_control, signed thinking history,
 * is_error, anthropic-beta) reaches it, and what it answers (signatures, the
 * matched stop sequence, message ids, input tokens at message_start, cache
 * writes by lifetime) comes back. The same request routed to an OpenAI-compatible upstream stays a plain
 * OpenAI request.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { validateOpenAI } from "./helpers/openapi.js";
import { echoHandler, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { sendRecorded } from "./helpers/provider-fixtures.js";

let anthropic: FakeUpstream;
let openai: FakeUpstream;
let gateway: Gateway;
let client: Anthropic;

beforeAll(async () => {
  [anthropic, openai] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
  anthropic.handle((request, res) => {
    const model = String(request.body?.model);
    const fixture = model.startsWith("stop") ? "anthropic-stop-sequence" : model.startsWith("cache") ? `anthropic-${model}-usage` : "anthropic-thinking";
    sendRecorded(res, "anthropic", fixture, request.body?.stream === true);
  });
  openai.handle(echoHandler);
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: {
        claude: { type: "anthropic", base_url: `${anthropic.url}/v1`, api_key: "sk-ant-test-000000000000", headers: { "anthropic-beta": "configured-beta-1" } },
        fake: { type: "openai-compatible", base_url: openai.baseUrl, api_key: "sk-test-upstream-000000" },
      },
    },
  });
  client = new Anthropic({ apiKey: "x", baseURL: "http://gw", fetch: gateway.fetch, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([anthropic.close(), openai.close()]);
});
beforeEach(() => {
  anthropic.requests.length = 0;
  openai.requests.length = 0;
});

const ephemeral = { type: "ephemeral" } as const;
const SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";

/** A Claude Code-like turn: cached system, tools and last message, a tool loop with signed thinking, a failed tool. */
function toolLoop(model: string): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model,
    max_tokens: 2048,
    thinking: { type: "enabled", budget_tokens: 1024 },
    system: [{ type: "text", text: "You are a coding agent." }, { type: "text", text: "Project rules.", cache_control: ephemeral }],
    tools: [{ name: "read_file", input_schema: { type: "object", properties: { path: { type: "string" } } }, cache_control: ephemeral }],
    messages: [
      { role: "user", content: [{ type: "text", text: "Read a.txt", cache_control: ephemeral }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "I should read it.", signature: SIGNATURE },
          { type: "redacted_thinking", data: "opaque" },
          { type: "tool_use", id: "toolu_01", name: "read_file", input: { path: "a.txt" } },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "no such file", is_error: true, cache_control: ephemeral }] },
    ],
  };
}

describe("/v1/messages to an Anthropic upstream", () => {
  it("passes thinking, cache_control, signed thinking history, is_error and anthropic-beta", async () => {
    await client.messages.create(toolLoop("claude/claude-opus-4-5"), { headers: { "anthropic-beta": "interleaved-thinking-2025-05-14, configured-beta-1" } });
    const sent = anthropic.requests[0]!;
    expect(sent.headers["anthropic-beta"]).toBe("configured-beta-1,interleaved-thinking-2025-05-14");
    expect(sent.body).toMatchObject({
      thinking: { type: "enabled", budget_tokens: 1024 },
      system: [{ type: "text", text: "You are a coding agent." }, { type: "text", text: "Project rules.", cache_control: ephemeral }],
      tools: [{ name: "read_file", cache_control: ephemeral }],
      messages: [
        { role: "user", content: [{ type: "text", text: "Read a.txt", cache_control: ephemeral }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "I should read it.", signature: SIGNATURE },
            { type: "redacted_thinking", data: "opaque" },
            { type: "tool_use", id: "toolu_01", name: "read_file", input: { path: "a.txt" } },
          ],
        },
        // The client's own text: the "Error: " other upstreams read is not added for one that has the flag.
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "no such file", is_error: true, cache_control: ephemeral }] },
      ],
    });
  });

  it("sends a replayed turn's blocks in the order they came, thinking between text and tool_use included", async () => {
    const turn: Anthropic.ContentBlockParam[] = [
      { type: "thinking", thinking: "I should read it.", signature: SIGNATURE },
      { type: "text", text: "Reading a.txt." },
      { type: "redacted_thinking", data: "opaque" },
      { type: "tool_use", id: "toolu_01", name: "read_file", input: { path: "a.txt" } },
    ];
    const params = toolLoop("claude/claude-opus-4-5");
    await client.messages.create({ ...params, messages: [params.messages[0]!, { role: "assistant", content: turn }, params.messages[2]!] });
    expect((anthropic.requests[0]!.body!.messages as Anthropic.MessageParam[])[1]).toEqual({ role: "assistant", content: turn });
  });

  it("sends no beta header of its own when the client sends none", async () => {
    await client.messages.create({ model: "claude/claude-opus-4-5", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] });
    expect(anthropic.requests[0]!.headers["anthropic-beta"]).toBe("configured-beta-1");
  });

  it("returns signed thinking blocks and an unprefixed message id, whole and streamed", async () => {
    const params = { ...toolLoop("claude/claude-opus-4-5"), messages: [{ role: "user" as const, content: "27 * 453?" }] };
    const whole = await client.messages.create(params);
    expect(whole.id).toBe("msg_01ThinkBuffered00000000");
    expect(whole.content[0]).toEqual({ type: "thinking", thinking: expect.stringContaining("12231"), signature: SIGNATURE });

    const streamed = await client.messages.stream(params).finalMessage();
    expect(streamed.id).toBe("msg_01StreamThink000000000");
    expect(streamed.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    expect(streamed.content[0]).toEqual({ type: "thinking", thinking: expect.stringContaining("12231"), signature: SIGNATURE });
  });

  it("keeps the stop_sequence stop reason and the matched sequence, whole and streamed", async () => {
    const params = { model: "claude/stop-model", max_tokens: 50, stop_sequences: ["END"], messages: [{ role: "user" as const, content: "Count" }] };
    const whole = await client.messages.create(params);
    expect([whole.stop_reason, whole.stop_sequence]).toEqual(["stop_sequence", "END"]);
    const streamed = await client.messages.stream(params).finalMessage();
    expect([streamed.stop_reason, streamed.stop_sequence]).toEqual(["stop_sequence", "END"]);
  });

  it("reports the upstream's input tokens in message_start", async () => {
    const stream = client.messages.stream({ model: "claude/stop-model", max_tokens: 50, messages: [{ role: "user", content: "Count" }] });
    let startInput: number | undefined;
    for await (const event of stream) if (event.type === "message_start") startInput = event.message.usage.input_tokens;
    expect(startInput).toBe(25);
  });
});

describe("/v1/messages usage from an Anthropic upstream", () => {
  it("gives cache writes by lifetime, as Anthropic reported them", async () => {
    const ask = (model: string) => client.messages.create({ model: `claude/${model}`, max_tokens: 50, messages: [{ role: "user", content: "Notice period?" }] });
    expect((await ask("cache-1h")).usage).toMatchObject({
      input_tokens: 21,
      output_tokens: 17,
      cache_read_input_tokens: 2048,
      cache_creation_input_tokens: 1200,
      cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 1000 },
    });
    expect((await ask("cache")).usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: 1200, ephemeral_1h_input_tokens: 0 });
  });

  it("gives cache writes by lifetime in a stream's message_start, which the SDK's final message keeps", async () => {
    const stream = client.messages.stream({ model: "claude/cache-1h", max_tokens: 50, messages: [{ role: "user", content: "Notice period?" }] });
    let start: Anthropic.Usage | undefined;
    for await (const event of stream) if (event.type === "message_start") start = event.message.usage;
    const expected = { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 1000 };
    expect(start).toMatchObject({ cache_creation_input_tokens: 1200, cache_creation: expected });
    expect((await stream.finalMessage()).usage).toMatchObject({ cache_creation_input_tokens: 1200, cache_creation: expected });
  });

  it("claims no lifetimes for an upstream that reports none", async () => {
    const message = await client.messages.create({ model: "fake/gpt-x", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] });
    expect(message.usage).not.toHaveProperty("cache_creation");
  });
});

/** A Claude Code-like tool result holding a screenshot: text and an image inside the result, then the user's own text. */
function screenshotResult(model: string): Anthropic.MessageCreateParamsNonStreaming {
  const image = { type: "image" as const, source: { type: "base64" as const, media_type: "image/png" as const, data: "iVBORw0KGgo=" } };
  return {
    model,
    max_tokens: 100,
    tools: [{ name: "screenshot", input_schema: { type: "object" } }],
    messages: [
      { role: "user", content: "Look at the page" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_02", name: "screenshot", input: {} }] },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_02", is_error: true, content: [{ type: "text", text: "partial capture" }, { type: "text", text: "viewport only" }, image] },
          { type: "text", text: "What do you see?" },
        ],
      },
    ],
  };
}

describe("/v1/messages tool results with images", () => {
  it("keeps a tool result's text and image blocks inside the result for an Anthropic upstream", async () => {
    await client.messages.create(screenshotResult("claude/claude-opus-4-5"));
    expect(anthropic.requests[0]!.body!.messages).toEqual([
      { role: "user", content: "Look at the page" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_02", name: "screenshot", input: {} }] },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_02",
            is_error: true,
            content: [
              { type: "text", text: "partial capture" },
              { type: "text", text: "viewport only" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            ],
          },
          { type: "text", text: "What do you see?" },
        ],
      },
    ]);
  });

  it("moves the image to the next user turn for an OpenAI-compatible upstream, whose tool messages take text", async () => {
    await client.messages.create(screenshotResult("fake/gpt-x"));
    expect(openai.requests[0]!.body!.messages).toEqual([
      { role: "user", content: "Look at the page" },
      { role: "assistant", content: null, tool_calls: [{ id: "toolu_02", type: "function", function: { name: "screenshot", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "toolu_02", content: "Error: partial capture\nviewport only" },
      { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }, { type: "text", text: "What do you see?" }] },
    ]);
  });
});

describe("/v1/messages prompt caching across turns", () => {
  it("sends a message's blocks the same whether or not it still carries the breakpoint", async () => {
    // Claude Code moves its breakpoint to the newest message each turn; Anthropic's cache matches the prompt's
    // prefix block by block, so the older message must reach it as the same blocks as when it was cached.
    const reminder = { type: "text" as const, text: "<system-reminder>cwd: /repo</system-reminder>" };
    const question = { type: "text" as const, text: "Fix the bug" };
    await client.messages.create({ model: "claude/claude-opus-4-5", max_tokens: 10, messages: [{ role: "user", content: [reminder, { ...question, cache_control: ephemeral }] }] });
    await client.messages.create({
      model: "claude/claude-opus-4-5",
      max_tokens: 10,
      messages: [
        { role: "user", content: [reminder, question] },
        { role: "assistant", content: [{ type: "text", text: "Done." }, { type: "text", text: "Anything else?" }] },
        { role: "user", content: [{ type: "text", text: "No", cache_control: ephemeral }] },
      ],
    });
    const [first, second] = anthropic.requests.map((request) => request.body!.messages as Array<{ content: unknown }>);
    expect(first![0]!.content).toEqual([reminder, { ...question, cache_control: ephemeral }]);
    expect(second![0]!.content).toEqual([reminder, question]);
    expect(second![1]!.content).toEqual([{ type: "text", text: "Done." }, { type: "text", text: "Anything else?" }]);
  });
});

describe("Anthropic API fields the translation does not read", () => {
  const newer = {
    service_tier: "standard_only",
    context_management: { edits: [{ type: "clear_tool_uses_20250919" }] },
    mcp_servers: [{ type: "url", url: "https://mcp.example.com/sse", name: "docs" }],
    container: "container_011CUt",
  };
  const post = (model: string) =>
    gateway.fetch("http://gw/v1/messages", { method: "POST", body: JSON.stringify({ ...toolLoop(model), ...newer }) });

  it("reach an Anthropic upstream as sent", async () => {
    expect((await post("claude/claude-opus-4-5")).status).toBe(200);
    expect(anthropic.requests[0]!.body).toMatchObject({ ...newer, max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 1024 } });
  });

  it("never reach other upstreams", async () => {
    // Without mcp_servers, which makes a native turn (served by Anthropic deployments only: anthropic-server-tools.test.ts).
    const { mcp_servers: _native, ...translated } = newer;
    const response = await gateway.fetch("http://gw/v1/messages", { method: "POST", body: JSON.stringify({ ...toolLoop("fake/gpt-x"), ...translated }) });
    expect(response.status).toBe(200);
    for (const field of [...Object.keys(translated), "mcp_servers"]) expect(openai.requests[0]!.raw).not.toContain(field);
  });
});

describe("/v1/messages to an OpenAI-compatible upstream", () => {
  it("sends the same Anthropic-only request as a plain OpenAI request", async () => {
    for (const stream of [false, true]) {
      const params = toolLoop("fake/gpt-x");
      if (stream) await client.messages.stream(params).finalMessage();
      else await client.messages.create(params, { headers: { "anthropic-beta": "interleaved-thinking-2025-05-14" } });
      const body = openai.requests.at(-1)!.body!;
      validateOpenAI("CreateChatCompletionRequest", body);
      const raw = openai.requests.at(-1)!.raw;
      for (const field of ["thinking", "cache_control", "is_error", "signature", "anthropic_beta", "cache_parts", "redacted"]) expect(raw).not.toContain(field);
      expect(body.messages).toEqual([
        { role: "system", content: "You are a coding agent.\nProject rules." },
        { role: "user", content: "Read a.txt" },
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_01", type: "function", function: { name: "read_file", arguments: '{"path":"a.txt"}' } }] },
        { role: "tool", tool_call_id: "toolu_01", content: "Error: no such file" },
      ]);
    }
  });
});
