import { describe, expect, it } from "vitest";
import { toAnthropicConversation } from "../../providers/anthropic/messages.js";
import { nativeBodyOf, nativeCauseOf } from "../../providers/anthropic/native.js";
import { replyOptionsFor, toChatRequest } from "./request.js";
import { parseAnthropicRequest } from "./schema.js";

// Request shapes follow Anthropic's Messages API reference (reference/providers.md §2).
function translate(body: Record<string, unknown>) {
  return toChatRequest(parseAnthropicRequest({ model: "smart", max_tokens: 100, ...body }));
}

describe("toChatRequest", () => {
  it("maps the basic fields", () => {
    const chat = translate({
      system: "You are terse.",
      messages: [{ role: "user", content: "Hi" }],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ["END"],
      metadata: { user_id: "user-7" },
    });
    expect(chat).toEqual({
      model: "smart",
      max_tokens: 100,
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Hi" },
      ],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop: ["END"],
      user: "user-7",
    });
  });

  it("joins system text blocks and asks for usage when streaming", () => {
    const chat = translate({
      system: [{ type: "text", text: "A" }, { type: "text", text: "B", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    expect(chat.messages[0]).toEqual({ role: "system", content: "A\nB" });
    expect(chat.stream).toBe(true);
    expect(chat.stream_options).toEqual({ include_usage: true });
  });

  it("keeps text-only content as a string and images as parts", () => {
    const chat = translate({
      messages: [
        { role: "user", content: [{ type: "text", text: "one" }, { type: "text", text: "two" }] },
        { role: "assistant", content: "ok" },
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
            { type: "text", text: "Describe" },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "user", content: "one\ntwo" },
      { role: "assistant", content: "ok" },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
          { type: "text", text: "Describe" },
        ],
      },
    ]);
  });

  it("turns tool_use into tool_calls and tool_result into tool messages before the user's text", () => {
    const chat = translate({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Two lookups.", signature: "sig" },
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_02", name: "get_weather", input: { city: "Rome" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_01", content: "18°C" },
            { type: "tool_result", tool_use_id: "toolu_02", content: [{ type: "text", text: "timeout" }, { type: "text", text: "retry later" }], is_error: true },
            { type: "text", text: "Summarize." },
          ],
        },
      ],
    });
    expect(chat.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "toolu_01", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "toolu_02", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "toolu_01", content: "18°C" },
      { role: "tool", tool_call_id: "toolu_02", content: "Error: timeout\nretry later" },
      { role: "user", content: "Summarize." },
    ]);
  });

  it("moves images returned by a tool into the following user message", () => {
    const chat = translate({
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "screenshot", input: {} }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AAA" } }] }],
        },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "screenshot", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "t1", content: "" },
      { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAA" } }] },
    ]);
  });

  it("keeps a tool result's images inside it for an Anthropic upstream; a PDF, which it cannot take there, moves", () => {
    const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "AAA" } };
    const pdf = { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" } };
    const chat = translate({
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "shot", input: {} }, { type: "tool_use", id: "t2", name: "pdf", input: {} }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: [image] },
            { type: "tool_result", tool_use_id: "t2", content: [{ type: "text", text: "the file" }, pdf] },
          ],
        },
      ],
    });
    expect(toAnthropicConversation(chat.messages).messages.at(-1)).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AAA" } }] },
        { type: "tool_result", tool_use_id: "t2", content: "the file" },
        { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" }, title: "document.pdf" },
      ],
    });
  });

  it("maps documents to file and text parts", () => {
    const chat = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" }, title: "report.pdf" },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "plain notes" } },
          ],
        },
      ],
    });
    expect(chat.messages[0]!.content).toEqual([
      { type: "file", file: { filename: "report.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } },
      { type: "text", text: "plain notes" },
    ]);
  });

  it("maps tools, tool_choice and disable_parallel_tool_use", () => {
    const tools = [{ name: "get_weather", description: "Weather by city", input_schema: { type: "object", properties: { city: { type: "string" } } } }];
    const messages = [{ role: "user", content: "Hi" }];
    const chat = translate({ messages, tools, tool_choice: { type: "any", disable_parallel_tool_use: true } });
    expect(chat.tools).toEqual([
      { type: "function", function: { name: "get_weather", description: "Weather by city", parameters: tools[0]!.input_schema } },
    ]);
    expect(chat.tool_choice).toBe("required");
    expect(chat.parallel_tool_calls).toBe(false);
    expect(translate({ messages, tools, tool_choice: { type: "auto" } }).tool_choice).toBe("auto");
    expect(translate({ messages, tools, tool_choice: { type: "none" } }).tool_choice).toBe("none");
    expect(translate({ messages, tools, tool_choice: { type: "tool", name: "get_weather" } }).tool_choice).toEqual({
      type: "function",
      function: { name: "get_weather" },
    });
    // OpenAI rejects tool_choice without tools.
    const bare = translate({ messages, tool_choice: { type: "none" } });
    expect(bare.tool_choice).toBeUndefined();
    expect(bare.tools).toBeUndefined();
  });

  it("maps a JSON schema output format to response_format", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } } };
    const chat = translate({ messages: [{ role: "user", content: "Hi" }], output_config: { format: { type: "json_schema", schema } } });
    expect(chat.response_format).toEqual({ type: "json_schema", json_schema: { name: "response", schema, strict: true } });
  });

  it("carries Switchyard's routing fields", () => {
    const chat = translate({ messages: [{ role: "user", content: "Hi" }], models: ["cheap"], provider: { sort: "price" } });
    expect(chat).toMatchObject({ models: ["cheap"], provider: { sort: "price" } });
  });

  it("rejects what has no canonical form with a 400 naming the field", () => {
    const messages = [{ role: "user", content: "Hi" }];
    expect(() => translate({ messages, tools: [{ name: "f" }] })).toThrow("'tools[0].input_schema' is required");
    expect(() =>
      translate({ messages: [{ role: "assistant", content: [{ type: "tool_result", tool_use_id: "x", content: "y" }] }] }),
    ).toThrow(/cannot appear in an assistant message/);
  });
});

describe("native turns (what only Anthropic reads)", () => {
  const webSearch = { type: "web_search_20250305", name: "web_search", max_uses: 2 };
  const readFile = { name: "read_file", input_schema: { type: "object" } };
  const searched = [
    { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "q" } },
    { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: "https://a", title: "A", encrypted_content: "E" }] },
    { type: "text", text: "It is sunny.", citations: [{ type: "web_search_result_location", url: "https://a", cited_text: "sunny", encrypted_index: "I" }] },
  ];

  it("are marked with the client's body and what made them native", () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ tools: [readFile, webSearch], messages: [{ role: "user", content: "Weather?" }] }, "Tool type 'web_search_20250305'", "tools[1].type"],
      [{ tools: [{ type: "bash_20250124", name: "bash" }], messages: [{ role: "user", content: "ls" }] }, "Tool type 'bash_20250124'", "tools[0].type"],
      [{ mcp_servers: [{ type: "url", url: "https://m", name: "m" }], messages: [{ role: "user", content: "Hi" }] }, "'mcp_servers'", "mcp_servers"],
      [{ messages: [{ role: "user", content: "Weather?" }, { role: "assistant", content: searched }, { role: "user", content: "Thanks" }] }, "A 'server_tool_use' block", "messages[1].content[0].type"],
      [
        { messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "search_result", source: "s", title: "t", content: [] }] }] }] },
        "A 'search_result' block",
        "messages[0].content[0].content[0].type",
      ],
      [{ messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "file_1" } }] }] }, "An image from the Files API", "messages[0].content[0].source"],
      [
        { messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "document", source: { type: "url", url: "https://x/a.pdf" } }] }] }] },
        "A document with a 'url' source",
        "messages[0].content[0].content[0].source",
      ],
    ];
    for (const [body, what, param] of cases) {
      const chat = translate(body);
      expect(nativeCauseOf(chat), what).toEqual({ what, param });
      expect(nativeBodyOf(chat)).toMatchObject(body);
    }
    expect(nativeBodyOf(translate({ tools: [readFile], messages: [{ role: "user", content: "Hi" }] }))).toBeUndefined();
  });

  it("leave out thinking blocks without a signature, which Anthropic refuses (as the translation does)", () => {
    const signed = { type: "thinking", thinking: "Mine.", signature: "sig" };
    const history = [{ role: "user", content: "Weather?" }, { role: "assistant", content: [{ type: "thinking", thinking: "Another model's." }, signed, ...searched] }];
    const body = nativeBodyOf(translate({ tools: [webSearch], messages: history }))!;
    expect((body.messages as Array<{ content: unknown }>)[1]!.content).toEqual([signed, ...searched]);
    const clean = { tools: [webSearch], messages: [history[0]] };
    expect(nativeBodyOf(translate(clean))).toMatchObject(clean);
  });

  it("keep their canonical form to what it can hold (for estimates and logs; the upstream gets the client's body)", () => {
    const chat = translate({ tools: [webSearch, readFile], messages: [{ role: "user", content: "Weather?" }, { role: "assistant", content: searched }] });
    expect(chat.tools).toEqual([{ type: "function", function: { name: "read_file", parameters: { type: "object" } } }]);
    expect(chat.messages).toEqual([{ role: "user", content: "Weather?" }, { role: "assistant", content: "It is sunny." }]);
    // Out of band: the JSON other upstreams would get shows none of it.
    expect(JSON.stringify(chat)).not.toMatch(/web_search|anthropic_native/);
  });
});

describe("replyOptionsFor", () => {
  it("returns thinking only when the client enabled it", () => {
    const base = { model: "smart", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] };
    expect(replyOptionsFor(parseAnthropicRequest(base))).toEqual({ requestedModel: "smart", thinking: false, stopSequences: [] });
    expect(replyOptionsFor(parseAnthropicRequest({ ...base, thinking: { type: "enabled", budget_tokens: 1024 } })).thinking).toBe(true);
    expect(replyOptionsFor(parseAnthropicRequest({ ...base, thinking: { type: "disabled" } })).thinking).toBe(false);
  });
});
