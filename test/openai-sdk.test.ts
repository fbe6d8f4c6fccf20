/**
 * The official `openai` SDK as a real client, over HTTP and in-process through
 * `gw.fetch`, with every response validated against OpenAI's published schema.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateOpenAI } from "./helpers/openapi.js";
import { chunk, sendSse, type FakeHandler } from "./helpers/fake-upstream.js";
import { startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./helpers/gateway-fixture.js";

const toolCallStream: FakeHandler = (request, res) => {
  const model = String(request.body?.model);
  const usage = { id: "chatcmpl-fake1", object: "chat.completion.chunk", created: 1, model, choices: [], usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 } };
  sendSse(res, [
    chunk(model, { role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
    chunk(model, { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    chunk(model, { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    chunk(model, { tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } }] }),
    chunk(model, {}, "tool_calls"),
    usage,
  ].map((e) => JSON.stringify(e)).concat("[DONE]"));
};

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
  { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } },
];

for (const transport of ["http", "fetch"] as const) {
  describe(`openai SDK through ${transport}`, () => {
    let fixture: GatewayFixture;
    let client: OpenAI;

    beforeAll(async () => {
      fixture = await startGatewayFixture();
      client =
        transport === "http"
          ? new OpenAI({ apiKey: "sk-client-key-not-forwarded", baseURL: fixture.baseUrl, maxRetries: 0 })
          : new OpenAI({ apiKey: "sk-client-key-not-forwarded", baseURL: "http://switchyard.local/v1", fetch: fixture.gateway.fetch, maxRetries: 0 });
    });
    afterAll(() => fixture.close());

    it("completes a chat through an alias, with route headers and a schema-valid body", async () => {
      const { data, response } = await client.chat.completions
        .create({ model: "smart", messages: [{ role: "user", content: "Hi" }] })
        .withResponse();
      validateOpenAI("CreateChatCompletionResponse", data);
      expect(data.choices[0]!.message.content).toBe("Hello!");
      expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 } });
      // The upstream's own token details reach the client.
      expect(data.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 0, accepted_prediction_tokens: 2 });
      expect(response.headers.get("x-switchyard-provider")).toBe("fake");
      expect(response.headers.get("x-switchyard-model")).toBe("gpt-fake");
      expect(response.headers.get("x-switchyard-attempts")).toBe("1");
      expect(response.headers.get("x-request-id")).toMatch(/.+/);
      const upstreamRequest = fixture.upstream.requests.at(-1)!;
      expect(upstreamRequest.body?.model).toBe("gpt-fake");
      expect(upstreamRequest.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    });

    it("passes every OpenAI parameter through faithfully", async () => {
      const params = {
        model: "fake/any-model",
        messages: [
          { role: "system" as const, content: "Be brief." },
          { role: "user" as const, content: [{ type: "text" as const, text: "Hi" }, { type: "image_url" as const, image_url: { url: "https://example.com/a.png", detail: "low" as const } }] },
        ],
        tools: TOOLS,
        tool_choice: { type: "function" as const, function: { name: "get_weather" } },
        response_format: { type: "json_schema" as const, json_schema: { name: "w", schema: { type: "object" }, strict: true } },
        n: 2,
        logprobs: true,
        top_logprobs: 2,
        seed: 7,
        stop: ["END"],
        temperature: 0.3,
        top_p: 0.9,
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        max_completion_tokens: 99,
        parallel_tool_calls: false,
        user: "u-1",
        logit_bias: { "50256": -100 },
        reasoning_effort: "low" as const,
        metadata: { team: "a" },
        store: false,
      };
      await client.chat.completions.create(params);
      const sent = fixture.upstream.requests.at(-1)!.body!;
      validateOpenAI("CreateChatCompletionRequest", sent);
      expect(sent).toEqual({ ...params, model: "any-model" });
    });

    it("streams text and ends cleanly, with usage only when asked", async () => {
      const stream = await client.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "Hi" }], stream: true });
      let text = "";
      const chunks = [];
      for await (const part of stream) {
        validateOpenAI("CreateChatCompletionStreamResponse", part);
        chunks.push(part);
        text += part.choices[0]?.delta.content ?? "";
      }
      expect(text).toBe("Hello!");
      expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
      expect(chunks.filter((c) => c.choices[0]?.finish_reason).length).toBe(1);
      // Usage is always requested upstream so the gateway can price streams.
      expect(fixture.upstream.requests.at(-1)!.body?.stream_options).toEqual({ include_usage: true });

      const withUsage = await client.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } });
      const parts = [];
      for await (const part of withUsage) parts.push(part);
      const last = parts.at(-1)!;
      validateOpenAI("CreateChatCompletionStreamResponse", last);
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } });
      expect(last.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 0, accepted_prediction_tokens: 2 });
      // The usage chunk belongs to the same stream: its id, created and model are the others'.
      expect(new Set(parts.map((part) => `${part.id} ${part.created} ${part.model}`)).size).toBe(1);
    });

    it("streams parallel tool calls with stable indexes", async () => {
      fixture.upstream.handle(toolCallStream);
      try {
        const runner = client.chat.completions.stream({ model: "smart", messages: [{ role: "user", content: "Weather?" }], tools: TOOLS });
        const final = await runner.finalChatCompletion();
        const calls = final.choices[0]!.message.tool_calls!;
        expect(final.choices[0]!.finish_reason).toBe("tool_calls");
        expect(calls.map((c) => [c.id, c.type === "function" && c.function.name, c.type === "function" && c.function.arguments])).toEqual([
          ["call_a", "get_weather", '{"city":"Paris"}'],
          ["call_b", "get_time", "{}"],
        ]);
      } finally {
        fixture.upstream.handle((await import("./helpers/fake-upstream.js")).echoHandler);
      }
    });

    it("creates embeddings", async () => {
      const result = await client.embeddings.create({ model: "fake/embed-small", input: ["a", "b"], encoding_format: "float" });
      validateOpenAI("CreateEmbeddingResponse", result);
      expect(result.data).toHaveLength(2);
      expect(result.data[1]!.embedding).toEqual([0.1, 0.2, 0.3]);
      expect(fixture.upstream.requests.at(-1)!.body).toEqual({ model: "embed-small", input: ["a", "b"], encoding_format: "float" });
    });

    it("lists aliases and provider models", async () => {
      const page = await client.models.list();
      const ids = page.data.map((m) => m.id);
      validateOpenAI("ListModelsResponse", { object: "list", data: page.data });
      expect(ids).toContain("smart");
      expect(ids).toContain("fake/fake-model");
    });

    it("retrieves a listed model by id, its slash sent encoded (as the SDK does) or raw", async () => {
      const alias = await client.models.retrieve("smart");
      validateOpenAI("Model", alias);
      expect(alias).toMatchObject({ id: "smart", object: "model", owned_by: "switchyard" });
      const upstream = await client.models.retrieve("fake/fake-model");
      validateOpenAI("Model", upstream);
      expect(upstream).toMatchObject({ id: "fake/fake-model", object: "model", owned_by: "fake" });
      const get = transport === "http" ? fetch : fixture.gateway.fetch;
      const raw = await get(`${transport === "http" ? fixture.baseUrl : "http://switchyard.local/v1"}/models/fake/fake-model`);
      expect(raw.status).toBe(200);
      expect(await raw.json()).toMatchObject({ id: "fake/fake-model", object: "model" });
      const unknown = await client.models.retrieve("fake/nope").catch((e) => e);
      expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
      expect(unknown.code).toBe("model_not_found");
      validateOpenAI("ErrorResponse", { error: unknown.error });
    });

    it("retrieves only models in a virtual key's scope; others are not found", async () => {
      const created = (await fixture.gateway.admin("POST", "/admin/keys", { name: `scoped-${transport}`, models: ["fake/*"] })) as { key: string };
      const scoped = new OpenAI({ apiKey: created.key, baseURL: client.baseURL, fetch: transport === "http" ? undefined : fixture.gateway.fetch, maxRetries: 0 });
      expect((await scoped.models.retrieve("fake/fake-model")).id).toBe("fake/fake-model");
      const outside = await scoped.models.retrieve("smart").catch((e) => e);
      expect(outside).toBeInstanceOf(OpenAI.NotFoundError);
      expect(outside.code).toBe("model_not_found");
      // The same model is there for a caller without a scope.
      expect((await client.models.retrieve("smart")).id).toBe("smart");
    });

    it("reports an unknown model as a 404 the SDK understands", async () => {
      const error = await client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error.code).toBe("model_not_found");
    });
  });
}

describe("the client's JSON on its way upstream", () => {
  let fixture: GatewayFixture;
  beforeAll(async () => {
    fixture = await startGatewayFixture();
  });
  afterAll(() => fixture.close());

  const post = (text: string) => fetch(`${fixture.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: text });

  it("is sent as written, but for the routed model: numbers and escapes pass exactly", async () => {
    const text = '{\n  "model": "smart",\n  "messages": [{"role": "user", "content": "caf\\u00e9 \\"quoted\\""}],\n  "top_p": 1.0,\n  "temperature": 0.10000000000000000555\n}';
    const response = await post(text);
    expect(response.status).toBe(200);
    expect(fixture.upstream.requests.at(-1)!.raw).toBe(text.replace('"smart"', '"gpt-fake"'));
  });

  it("is sent as written when it goes through the schema (tools), too", async () => {
    const text = '{"model":"smart","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"model":{"type":"string"}}}}}],"top_p":1.0}';
    const response = await post(text);
    expect(response.status).toBe(200);
    expect(fixture.upstream.requests.at(-1)!.raw).toBe(text.replace('"smart"', '"gpt-fake"'));
  });

  it("is serialized anew when a gateway-only field must come out", async () => {
    const response = await post('{"model":"smart","models":["fake/other"],"messages":[{"role":"user","content":"x"}]}');
    expect(response.status).toBe(200);
    expect(JSON.parse(fixture.upstream.requests.at(-1)!.raw)).toEqual({ model: "gpt-fake", messages: [{ role: "user", content: "x" }] });
  });

  it("asks for stream usage when the client did not, and the client still gets no usage chunk, nor a usage key", async () => {
    const response = await post('{"model":"smart","stream":true,"messages":[{"role":"user","content":"x"}]}');
    const events = (await response.text()).split("\n\n").filter((e) => e.startsWith("data: {")).map((e) => JSON.parse(e.slice(6)));
    expect(JSON.parse(fixture.upstream.requests.at(-1)!.raw)).toEqual({ model: "gpt-fake", stream: true, messages: [{ role: "user", content: "x" }], stream_options: { include_usage: true } });
    expect(events.length).toBeGreaterThan(0);
    // The upstream sent `"usage": null` on each chunk (it was asked); OpenAI's chunks without the option have no usage key.
    expect(events.filter((e) => "usage" in e)).toEqual([]);
  });
});

describe("stream chunks from a host that leaves out finish_reason", () => {
  let fixture: GatewayFixture;
  const bare = (model: string, delta: Record<string, unknown>) => ({ id: "chatcmpl-fake1", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta }] });
  beforeAll(async () => {
    fixture = await startGatewayFixture({
      handler: (request, res) => {
        const model = String(request.body?.model);
        sendSse(res, [bare(model, { role: "assistant", content: "" }), bare(model, { content: "Hi" }), chunk(model, { content: "!" }), chunk(model, {}, "stop")].map((e) => JSON.stringify(e)).concat("[DONE]"));
      },
    });
  });
  afterAll(() => fixture.close());

  it("carry finish_reason: null, as OpenAI's schema requires, and the others pass as the host wrote them", async () => {
    const response = await fetch(`${fixture.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "smart", stream: true, messages: [{ role: "user", content: "Hi" }] }) });
    const events = (await response.text()).split("\n\n").filter((e) => e.startsWith("data: {")).map((e) => e.slice(6));
    expect(events).toHaveLength(4);
    for (const event of events) validateOpenAI("CreateChatCompletionStreamResponse", JSON.parse(event));
    expect(events.map((e) => JSON.parse(e).choices[0].finish_reason)).toEqual([null, null, null, "stop"]);
    expect(events[2]).toBe(JSON.stringify(chunk("gpt-fake", { content: "!" })));
  });
});
