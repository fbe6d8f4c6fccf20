import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunksOf, sseText, SseChunks, type StreamItem } from "../core/chunk-text.js";
import { dataFrameStarts, DataFrames } from "../transport/sse.js";
import type { ProviderSettings } from "./adapter.js";
import { createOpenAICompatibleAdapter } from "./openai-compatible.js";
import { usageFromOpenAI } from "./openai-usage.js";
import { OPENAI_PRESETS, type OpenAIPresetName } from "./presets.js";
import { parseOpenAIRateLimit } from "./rate-limit-headers.js";
import { parseDurationMs, parseRetryAfter } from "./retry-after.js";
import { providerType } from "./registry.js";

function adapterFor(type: OpenAIPresetName, overrides: Partial<ProviderSettings> = {}) {
  const base = new URL(providerType(type)!.baseUrl ?? "https://example.test/v1");
  const settings: ProviderSettings = { name: type, type, origin: base.origin, basePath: base.pathname.replace(/\/$/, ""), apiKeys: ["k1"], headers: {}, ...overrides };
  return createOpenAICompatibleAdapter(type, OPENAI_PRESETS[type], settings);
}

const request = { model: "alias", messages: [{ role: "user" as const, content: "hi" }] };

describe("OpenAI-compatible presets", () => {
  it.each([
    ["openai", "https://api.openai.com", "/v1/chat/completions"],
    ["deepseek", "https://api.deepseek.com", "/v1/chat/completions"],
    ["qwen", "https://dashscope-intl.aliyuncs.com", "/compatible-mode/v1/chat/completions"],
    ["mistral", "https://api.mistral.ai", "/v1/chat/completions"],
    ["groq", "https://api.groq.com", "/openai/v1/chat/completions"],
    ["together", "https://api.together.ai", "/v1/chat/completions"],
    ["fireworks", "https://api.fireworks.ai", "/inference/v1/chat/completions"],
    ["xai", "https://api.x.ai", "/v1/chat/completions"],
    ["openrouter", "https://openrouter.ai", "/api/v1/chat/completions"],
    ["ollama", "http://127.0.0.1:11434", "/v1/chat/completions"],
  ] as const)("%s posts to %s%s with a bearer key", (type, origin, path) => {
    expect(new URL(providerType(type)!.baseUrl!).origin).toBe(origin);
    const upstream = adapterFor(type).chatRequest(request, { model: "m", apiKey: "k1" });
    expect(upstream.path).toBe(path);
    expect(upstream.headers.authorization).toBe("Bearer k1");
    expect(JSON.parse(upstream.body!).model).toBe("m");
  });

  it("generic openai-compatible needs a base_url", () => {
    expect(providerType("openai-compatible")!.baseUrl).toBeUndefined();
  });

  it("azure uses deployment URLs, api-version and the api-key header", () => {
    const azure = adapterFor("azure", { origin: "https://res.openai.azure.com", basePath: "", apiVersion: "2025-01-01-preview" });
    const upstream = azure.chatRequest(request, { model: "my-gpt4o", apiKey: "az-key" });
    expect(upstream.path).toBe("/openai/deployments/my-gpt4o/chat/completions?api-version=2025-01-01-preview");
    expect(upstream.headers["api-key"]).toBe("az-key");
    expect(upstream.headers.authorization).toBeUndefined();
    const v1 = adapterFor("azure", { origin: "https://res.openai.azure.com", basePath: "/openai/v1" });
    expect(v1.chatRequest(request, { model: "d", apiKey: "k" }).path).toBe("/openai/v1/chat/completions");
  });

  it("asks for stream usage, strips gateway-only fields, keeps the rest", () => {
    const upstream = adapterFor("openai").chatRequest({ ...request, stream: true, models: ["a"], provider: { order: ["x"] }, foo: 1 }, { model: "m", apiKey: "k" });
    expect(JSON.parse(upstream.body!)).toEqual({ model: "m", messages: request.messages, stream: true, stream_options: { include_usage: true }, foo: 1 });
  });

  it("openai and azure drop Anthropic's top_k and thinking, which they would reject; other hosts keep them", () => {
    const asked = { ...request, top_k: 5, thinking: { type: "enabled", budget_tokens: 1024 } };
    for (const preset of ["openai", "azure"] as const) {
      const body = JSON.parse(adapterFor(preset).chatRequest(asked, { model: "m", apiKey: "k" }).body!);
      expect(body).not.toHaveProperty("thinking");
      expect(body).not.toHaveProperty("top_k");
    }
    expect(JSON.parse(adapterFor("openai-compatible").chatRequest(asked, { model: "m", apiKey: "k" }).body!)).toMatchObject({ top_k: 5, thinking: { type: "enabled" } });
  });

  it("mistral sends random_seed and no stream_options", () => {
    const body = JSON.parse(adapterFor("mistral").chatRequest({ ...request, seed: 3, stream: true }, { model: "m", apiKey: "k" }).body!);
    expect(body.random_seed).toBe(3);
    expect(body.seed).toBeUndefined();
    expect(body.stream_options).toBeUndefined();
  });

  it("deepseek: cache hit tokens become cached tokens; insufficient_system_resource is a failure", () => {
    expect(usageFromOpenAI({ prompt_tokens: 100, completion_tokens: 10, prompt_cache_hit_tokens: 60, prompt_cache_miss_tokens: 40, completion_tokens_details: { reasoning_tokens: 4 } })).toEqual({
      input: { total: 100, cacheRead: 60, cacheWrite: 0 },
      output: { total: 10, reasoning: 4 },
    });
    const deepseek = adapterFor("deepseek");
    const body = { id: "x", object: "chat.completion", created: 1, model: "deepseek-chat", choices: [{ index: 0, message: { role: "assistant", content: "", reasoning_content: "think" }, finish_reason: "insufficient_system_resource" }] };
    expect(() => deepseek.chatResponse(body, { model: "m", apiKey: "k" })).toThrow(/insufficient_system_resource/);
    const ok = deepseek.chatResponse({ ...body, choices: [{ ...body.choices[0], finish_reason: "stop" }] }, { model: "m", apiKey: "k" });
    expect(ok.completion.choices[0]!.message.reasoning_content).toBe("think");
  });

  it("xai: reasoning tokens reported beside completion_tokens (the total adds them) are output all the same", () => {
    const xai = { prompt_tokens: 32, completion_tokens: 9, total_tokens: 135, prompt_tokens_details: { cached_tokens: 6 }, completion_tokens_details: { reasoning_tokens: 94 } };
    expect(usageFromOpenAI(xai)).toEqual({ input: { total: 32, cacheRead: 6, cacheWrite: 0 }, output: { total: 103, reasoning: 94 } });
    // OpenAI's own counting (reasoning inside completion_tokens) is left as it is, with or without a total.
    const openai = { prompt_tokens: 32, completion_tokens: 103, total_tokens: 135, completion_tokens_details: { reasoning_tokens: 94 } };
    expect(usageFromOpenAI(openai)!.output).toEqual({ total: 103, reasoning: 94 });
    expect(usageFromOpenAI({ ...openai, total_tokens: undefined })!.output).toEqual({ total: 103, reasoning: 94 });
  });

  it("qwen: explicit-cache writes (DashScope's prompt_tokens_details.cache_creation_input_tokens) are cache writes, billed at their own rate", () => {
    const dashscope = { prompt_tokens: 18628, completion_tokens: 344, total_tokens: 18972, prompt_tokens_details: { text_tokens: 18628, cache_creation_input_tokens: 18613, cache_creation: { ephemeral_5m_input_tokens: 18613 }, cache_type: "ephemeral", cached_tokens: 0 } };
    expect(usageFromOpenAI(dashscope)).toEqual({ input: { total: 18628, cacheRead: 0, cacheWrite: 18613 }, output: { total: 344, reasoning: 0 } });
    // A bad count there is as unbelievable as anywhere else.
    expect(usageFromOpenAI({ ...dashscope, prompt_tokens_details: { cache_creation_input_tokens: -1 } })).toBeUndefined();
  });

  it("together's eos and mistral's model_length are unified, raw kept", () => {
    const together = adapterFor("together").chatResponse({ choices: [{ index: 0, message: { role: "assistant", content: "x" }, finish_reason: "eos" }] }, { model: "m", apiKey: "k" });
    expect(together.completion.choices[0]!.finish_reason).toBe("stop");
    expect(together.finishReason).toEqual({ unified: "stop", raw: "eos" });
    const mistral = adapterFor("mistral").chatResponse({ choices: [{ index: 0, message: { role: "assistant", content: "x" }, finish_reason: "model_length" }] }, { model: "m", apiKey: "k" });
    expect(mistral.finishReason).toEqual({ unified: "length", raw: "model_length" });
  });

  it("hands the answer's text on only while the completion still says what it says", () => {
    const text = '{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1.0,"completion_tokens":2}}';
    expect(adapterFor("openai").chatResponse(JSON.parse(text), { model: "m", apiKey: "k" }, text).sourceText).toBe(text);
    const eos = text.replace('"stop"', '"eos"');
    expect(adapterFor("together").chatResponse(JSON.parse(eos), { model: "m", apiKey: "k" }, eos).sourceText).toBeUndefined();
  });

  it("refuses answers whose choices are not objects holding a message, whole or streamed (502, not a crash)", () => {
    const openai = adapterFor("openai");
    const context = { model: "m", apiKey: "k" };
    for (const choices of [[null], [1], [{ index: 0, finish_reason: "stop" }], [{ index: 0, message: "x" }]]) {
      expect(() => openai.chatResponse({ id: "c", choices }, context), JSON.stringify(choices)).toThrow(expect.objectContaining({ code: "invalid_response" }));
    }
    for (const data of ["5", "null", "[]", '{"choices":[null],"usage":{"prompt_tokens":1}}', '{"choices":[7]}']) {
      expect(() => openai.chatStream(request, context).push({ data }), data).toThrow(expect.objectContaining({ code: "invalid_response" }));
    }
  });

  it("groq stream usage arrives in x_groq and is collected", () => {
    const translator = adapterFor("groq").chatStream(request, { model: "m", apiKey: "k" });
    const out = translator.push({ data: JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], x_groq: { usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } } }) });
    expect(out).toHaveLength(1);
    expect(translator.usage).toEqual({ input: { total: 9, cacheRead: 0, cacheWrite: 0 }, output: { total: 2, reasoning: 0 } });
    expect(translator.upstreamUsage).toEqual({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
    expect(translator.push({ data: "[DONE]" })).toEqual([]);
    expect(translator.end()).toEqual([]);
  });

  it("keeps the usage object its counts came from, for the client", () => {
    const groq = { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, queue_time: 0.01 };
    const frame = (fields: Record<string, unknown>) => ({ data: JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [], ...fields }) });
    // A `usage` that holds no counts does not stand in for the x_groq one the counts came from.
    const translator = adapterFor("groq").chatStream(request, { model: "m", apiKey: "k" });
    translator.push(frame({ usage: {}, x_groq: { usage: groq } }));
    expect(translator.usage?.input.total).toBe(9);
    expect(translator.upstreamUsage).toEqual(groq);
    const openai = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, completion_tokens_details: { accepted_prediction_tokens: 1 } };
    const other = adapterFor("openai").chatStream(request, { model: "m", apiKey: "k" });
    other.push(frame({ usage: openai }));
    expect(other.upstreamUsage).toEqual(openai);
  });

  it("lists Ollama models from /api/tags", () => {
    const ollama = adapterFor("ollama");
    expect(ollama.modelsRequest!().path).toBe("/api/tags");
    expect(ollama.modelsResponse!({ models: [{ name: "llama3.2:latest", model: "llama3.2:latest" }] })).toEqual(["llama3.2:latest"]);
  });

  it("normalizes error dialects", () => {
    const openai = adapterFor("openai");
    expect(openai.error(422, {}, JSON.stringify({ detail: [{ loc: ["body", "n"], msg: "bad" }] }))).toMatchObject({ kind: "bad_request", status: 422 });
    expect(openai.error(404, {}, JSON.stringify({ error: "model 'x' not found" }))).toMatchObject({ kind: "not_found", message: "model 'x' not found" });
    expect(openai.error(503, {}, "upstream connect error")).toMatchObject({ kind: "upstream_unavailable", status: 503 });
    expect(openai.error(429, { "retry-after-ms": "1500" }, "{}")).toMatchObject({ kind: "rate_limit", retryAfterSeconds: 1.5 });
  });
});

describe("rate-limit headers", () => {
  it("parses Go durations", () => {
    expect(parseDurationMs("1s")).toBe(1000);
    expect(parseDurationMs("6m0s")).toBe(360_000);
    expect(parseDurationMs("12ms")).toBe(12);
    expect(parseDurationMs("2m59.56s")).toBe(179_560);
    expect(parseDurationMs("1h2m")).toBe(3_720_000);
    expect(parseDurationMs("soon")).toBeUndefined();
  });

  it("parses Retry-After as seconds or a date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter({ "retry-after": "20" }, now)).toBe(20);
    expect(parseRetryAfter({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }, now)).toBe(30);
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });

  it("reads the OpenAI dialect into absolute times", () => {
    const now = 1_000_000;
    expect(parseOpenAIRateLimit({ "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s", "x-ratelimit-remaining-tokens": "999", "x-ratelimit-reset-tokens": "6m0s" }, now)).toEqual({
      requestsLimit: 60,
      requestsRemaining: 0,
      requestsResetAt: now + 1500,
      tokensLimit: undefined,
      tokensRemaining: 999,
      tokensResetAt: now + 360_000,
      observedAt: now,
    });
    expect(parseOpenAIRateLimit({}, now)).toBeUndefined();
  });
});

describe("stream pass-through", () => {
  const data = (extra: string) => `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]${extra}}`;

  it("passes plain deltas through as their wire text, and parses anything that matters", async () => {
    const { ChunkText } = await import("../core/chunk-text.js");
    const translator = adapterFor("openai").chatStream(request, { model: "m", apiKey: "k" });
    const [plain] = translator.push({ data: data(',"usage":null') });
    expect(plain).toBeInstanceOf(ChunkText);
    expect((plain as InstanceType<typeof ChunkText>).json).toBe(data(',"usage":null'));
    // Usage, errors and finish reasons take the parsing path.
    const [withUsage] = translator.push({ data: data(',"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}') });
    expect(withUsage).not.toBeInstanceOf(ChunkText);
    expect(translator.usage?.input.total).toBe(3);
    const [finish] = translator.push({ data: '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"eos"}]}' });
    expect(finish).not.toBeInstanceOf(ChunkText);
    expect((finish as { choices: Array<{ finish_reason: string }> }).choices[0]!.finish_reason).toBe("stop");
    expect(() => translator.push({ data: '{"error":{"message":"boom","type":"server_error"}}' })).toThrow(/boom/);
  });

  it("adds a finish reason a host left out, as null, and re-serializes only that event", async () => {
    const { ChunkText } = await import("../core/chunk-text.js");
    const translator = adapterFor("openai").chatStream(request, { model: "m", apiKey: "k" });
    const [bare] = translator.push({ data: '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}' });
    expect(bare).not.toBeInstanceOf(ChunkText);
    expect(bare).toEqual({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] });
    expect(translator.finishReason).toBeUndefined();
    const [plain] = translator.push({ data: data("") });
    expect(plain).toBeInstanceOf(ChunkText);
  });

  it("a stream that ends with a retryable finish reason is a failure the router can retry", () => {
    const translator = adapterFor("deepseek").chatStream(request, { model: "m", apiKey: "k" });
    const event = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"insufficient_system_resource"}]}';
    expect(() => translator.push({ data: event })).toThrow(expect.objectContaining({ kind: "upstream_unavailable", message: expect.stringMatching(/ended the stream with 'insufficient_system_resource'/) }));
  });

  it("sends a finish event it did not change as its own text, already parsed", async () => {
    const { ChunkText } = await import("../core/chunk-text.js");
    const translator = adapterFor("openai").chatStream(request, { model: "m", apiKey: "k" });
    const stop = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}';
    const [finish] = translator.push({ data: stop });
    expect(finish).toBeInstanceOf(ChunkText);
    expect((finish as InstanceType<typeof ChunkText>).json).toBe(stop);
    expect((finish as InstanceType<typeof ChunkText>).chunk).toEqual(JSON.parse(stop));
    expect(translator.finishReason).toEqual({ unified: "stop", raw: "stop" });
    // Usage riding on the finish event is taken out, so that event is re-serialized without it.
    const [withUsage] = adapterFor("openai").chatStream(request, { model: "m", apiKey: "k" })
      .push({ data: stop.replace(/}$/, ',"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}') });
    expect(withUsage).toEqual(JSON.parse(stop));
  });
});

describe("stream pass-through of whole reads", () => {
  const frame = (fields: Record<string, unknown>) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", ...fields })}\n\n`;
  const delta = (content: string, finish: string | null = null) => ({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
  const anyFrame = fc.oneof(
    { arbitrary: fc.string({ maxLength: 8 }).map((content) => frame(delta(content))), weight: 8 },
    fc.string({ maxLength: 4 }).map((content) => frame({ ...delta(content), usage: null })),
    fc.constantFrom("stop", "length", "eos", "tool_calls").map((reason) => frame(delta("", reason))),
    fc.constant(frame({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })),
    fc.constant(frame({ choices: [] })),
    fc.constant(frame({ object: "x" })),
    fc.constant(frame({ error: { message: "boom", type: "server_error" } })),
    fc.constant(frame({ ...delta("a"), x_groq: { id: "q" } })),
    fc.constant(frame({ choices: [{ index: 0, delta: { content: "a" }, stop_reason: null }] })),
    fc.constant(frame({ choices: [{ index: 0, delta: { content: "a" }, other_finish_reason: null }] })),
    fc.constant(frame(delta('say "error" and "usage":{} or "finish_reason":"stop"'))),
    fc.constant(frame({ ...delta("a"), usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })),
    fc.constant("data: [DONE]\n\n"),
    fc.constant("data: \n\n"),
  );

  /** Both ways of feeding the translator: what the client gets, what is recorded, how it fails. */
  function run(texts: string[], frames: boolean) {
    const translator = adapterFor("together").chatStream(request, { model: "m", apiKey: "k" });
    const items: StreamItem[] = [];
    let failure: string | undefined;
    try {
      for (const text of texts) {
        if (frames) translator.pushFrames!(new DataFrames(text, dataFrameStarts(text)!), items);
        else for (const event of new DataFrames(text, dataFrameStarts(text)!).events()) items.push(...translator.push(event));
      }
    } catch (error) {
      failure = (error as Error).message;
    }
    return { sse: items.map(sseText).join(""), chunks: items.flatMap(chunksOf), usage: translator.usage, finish: translator.finishReason, failure, items };
  }

  it("gives the client and the ledger exactly what frame-by-frame translation gives", () => {
    fc.assert(
      fc.property(fc.array(fc.array(anyFrame, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }), (reads) => {
        const texts = reads.map((read) => read.join(""));
        const { items, ...byFrames } = run(texts, true);
        const { items: _, ...byEvents } = run(texts, false);
        expect(byFrames).toEqual(byEvents);
        // What passes through unparsed is exactly what needs no change: choices with null finish reasons, no usage, no error.
        for (const item of items.filter((i) => i instanceof SseChunks)) {
          for (const passed of chunksOf(item) as Array<Record<string, unknown> & { choices?: Array<{ finish_reason?: unknown }> }>) {
            expect(passed.usage ?? null).toBeNull();
            expect(passed.error).toBeUndefined();
            expect(passed.x_groq).toBeUndefined();
            expect(passed.choices?.length).toBeGreaterThan(0);
            for (const choice of passed.choices ?? []) expect(choice.finish_reason).toBeNull();
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("passes runs of plain frames on as one slice of the upstream text", () => {
    // The third frame matches twice (finish reason and usage); the frame after it is plain again.
    const finishWithUsage = frame({ ...delta("", "stop"), usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    const text = frame(delta("a")) + frame(delta("b")) + finishWithUsage + frame(delta("c")) + "data: [DONE]\n\n" + frame(delta("late"));
    const { items } = run([text], true);
    expect(items).toHaveLength(3);
    expect(items[0]).toBeInstanceOf(SseChunks);
    expect((items[0] as SseChunks).sse).toBe(frame(delta("a")) + frame(delta("b")));
    expect(items[1]).not.toBeInstanceOf(SseChunks);
    expect(items[2]).toBeInstanceOf(SseChunks);
    expect((items[2] as SseChunks).sse).toBe(frame(delta("c")));
  });

  it("keeps what came before an error frame in the same read", () => {
    const translator = adapterFor("openai").chatStream(request, { model: "m", apiKey: "k" });
    const items: StreamItem[] = [];
    const text = frame(delta("kept")) + frame({ error: { message: "boom" } }) + frame(delta("lost"));
    expect(() => translator.pushFrames!(new DataFrames(text, dataFrameStarts(text)!), items)).toThrow(/boom/);
    expect(items.map(sseText).join("")).toBe(frame(delta("kept")));
  });
});
