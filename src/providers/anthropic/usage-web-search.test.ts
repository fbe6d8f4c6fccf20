import { describe, expect, it } from "vitest";
import { toChatResult } from "./response.js";
import { AnthropicStreamTranslator } from "./stream.js";
import { mergeAnthropicUsage, usageFromAnthropic } from "./usage.js";
import { messageSchema, usageSchema } from "./wire-types.js";

const base = { input_tokens: 100, output_tokens: 20 };

describe("Anthropic web searches in usage", () => {
  it("reads server_tool_use.web_search_requests; web fetches are not kept", () => {
    expect(usageFromAnthropic({ ...base, server_tool_use: { web_search_requests: 2, web_fetch_requests: 1 } })).toEqual({
      input: { total: 100, cacheRead: 0, cacheWrite: 0 },
      output: { total: 20, reasoning: 0 },
      webSearchRequests: 2,
    });
  });

  it("sets no count for zero, null or absent searches", () => {
    for (const serverToolUse of [{ web_search_requests: 0, web_fetch_requests: 3 }, { web_search_requests: null }, {}, null, undefined]) {
      const usage = usageFromAnthropic({ ...base, server_tool_use: serverToolUse });
      expect(usage, JSON.stringify(serverToolUse)).toBeDefined();
      expect(usage && "webSearchRequests" in usage, JSON.stringify(serverToolUse)).toBe(false);
    }
  });

  it("a search count that is not a count makes the usage unreadable", () => {
    for (const value of [-1, 1.5, Number.NaN, 2_000_000_000, "2", true]) {
      expect(usageFromAnthropic({ ...base, server_tool_use: { web_search_requests: value } } as never), String(value)).toBeUndefined();
    }
  });

  it("the wire schema keeps server_tool_use (message and stream usage)", () => {
    const usage = { ...base, server_tool_use: { web_search_requests: 3, web_fetch_requests: 0 } };
    expect(usageSchema.parse(usage).server_tool_use).toEqual({ web_search_requests: 3, web_fetch_requests: 0 });
    const message = messageSchema.parse({ id: "msg_1", type: "message", content: [], usage });
    expect(usageFromAnthropic(message.usage)?.webSearchRequests).toBe(3);
  });

  it("a stream's cumulative message_delta count wins over message_start's", () => {
    const start = usageSchema.parse({ input_tokens: 100, output_tokens: 1, server_tool_use: { web_search_requests: 0 } });
    const delta = usageSchema.parse({ output_tokens: 50, server_tool_use: { web_search_requests: 2, web_fetch_requests: 1 } });
    const merged = mergeAnthropicUsage(mergeAnthropicUsage(undefined, start), delta);
    expect(usageFromAnthropic(merged)).toEqual({ input: { total: 100, cacheRead: 0, cacheWrite: 0 }, output: { total: 50, reasoning: 0 }, webSearchRequests: 2 });
    // A later delta without the field keeps the count so far.
    expect(usageFromAnthropic(mergeAnthropicUsage(merged, { output_tokens: 60, server_tool_use: null }))?.webSearchRequests).toBe(2);
  });
});

describe("Anthropic web searches through the translators", () => {
  const context = { provider: "anthropic", model: "claude-sonnet-4-5", now: 0 };
  const usage = { input_tokens: 900, output_tokens: 40, cache_read_input_tokens: 100, server_tool_use: { web_search_requests: 3, web_fetch_requests: 1 } };

  it("a message's usage carries its searches", () => {
    const body = {
      id: "msg_1", type: "message", model: "claude-sonnet-4-5", role: "assistant", stop_reason: "end_turn",
      content: [
        { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "x" } },
        { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
        { type: "text", text: "Found it." },
      ],
      usage,
    };
    expect(toChatResult(body, context).usage).toEqual({ input: { total: 1000, cacheRead: 100, cacheWrite: 0 }, output: { total: 40, reasoning: 0 }, webSearchRequests: 3 });
  });

  it("a stream's usage takes the searches from message_delta", () => {
    const translator = new AnthropicStreamTranslator(context);
    const event = (data: unknown) => ({ event: (data as { type: string }).type, data: JSON.stringify(data) });
    translator.push(event({ type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { ...usage, output_tokens: 1, server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 } } } }));
    expect(translator.usage && "webSearchRequests" in translator.usage).toBe(false);
    translator.push(event({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 40, server_tool_use: { web_search_requests: 3, web_fetch_requests: 1 } } }));
    expect(translator.usage?.webSearchRequests).toBe(3);
    expect(translator.usage?.output.total).toBe(40);
  });
});
