/**
 * Non-stream replies are made from the upstream's own JSON text with the
 * gateway's usage spliced in, when nothing else about the completion changed.
 * The oracle: the embedded API returns the completion object the same
 * pipeline built, which the HTTP reply must match once both are JSON.
 */
import fc from "fast-check";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGatewayFixture, type GatewayFixture } from "./helpers/gateway-fixture.js";

let answer = "";
const answerWith = (_request: unknown, res: ServerResponse) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(answer);
};

const request = { model: "smart", messages: [{ role: "user" as const, content: "x" }] };

const text = fc.oneof(fc.string(), fc.constantFrom('"usage":{"x":1}', "caf\u00e9 \u{1F600}", "\\", "\n", "}]"));
const usage = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.record(
    {
      prompt_tokens: fc.nat(1000),
      completion_tokens: fc.nat(1000),
      total_tokens: fc.nat(2000),
      prompt_tokens_details: fc.record({ cached_tokens: fc.nat(100) }),
      completion_tokens_details: fc.record({ reasoning_tokens: fc.nat(100), audio_tokens: fc.nat(10) }, { requiredKeys: [] }),
      cost: fc.double({ min: 0, max: 1, noNaN: true }),
      provider_extra: text,
    },
    { requiredKeys: ["prompt_tokens", "completion_tokens", "total_tokens"] },
  ),
);
const choice = fc.record(
  {
    index: fc.nat(3),
    message: fc.record({ role: fc.constant("assistant"), content: fc.oneof(text, fc.constant(null)), refusal: fc.constant(null) }, { requiredKeys: ["role", "content"] }),
    logprobs: fc.constant(null),
    finish_reason: fc.constantFrom("stop", "length", "tool_calls", "content_filter", "function_call", "eos", null),
  },
  { requiredKeys: ["index", "message", "finish_reason"] },
);
const completion = fc.record(
  {
    id: fc.string(),
    object: fc.constant("chat.completion"),
    created: fc.nat(),
    model: text,
    choices: fc.array(choice, { minLength: 1, maxLength: 3 }),
    usage,
    service_tier: text,
    extra: fc.dictionary(fc.constantFrom("usage", "model", "x"), text),
  },
  { requiredKeys: ["id", "object", "created", "model", "choices"] },
);

describe("a completion spliced from the upstream's own text", () => {
  let fixture: GatewayFixture;
  beforeAll(async () => {
    fixture = await startGatewayFixture({ handler: answerWith });
  });
  afterAll(() => fixture.close());

  const viaHttp = async () => {
    const response = await fetch(`${fixture.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
    expect(response.status).toBe(200);
    return response.text();
  };

  it("says what the serialized completion says, whatever the upstream sent", async () => {
    await fc.assert(
      fc.asyncProperty(completion, fc.constantFrom(0, 2), async (body, indent) => {
        answer = JSON.stringify(body, null, indent);
        const http = JSON.parse(await viaHttp());
        const embedded = await fixture.gateway.chat(request);
        expect(http).toEqual(JSON.parse(JSON.stringify(embedded)));
      }),
      { numRuns: 80 },
    );
  });

  it("is the upstream's text but for usage when nothing else changed", async () => {
    answer = '{ "id": "c1", "object": "chat.completion", "created": 1.0, "model": "m",\n "choices": [{"index": 0, "message": {"role": "assistant", "content": "caf\\u00e9", "refusal": null}, "logprobs": null, "finish_reason": "stop"}],\n "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}, "x": 1e2 }';
    const reply = await viaHttp();
    const usage = JSON.parse(reply).usage;
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    expect(reply).toBe(answer.replace('{"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}', JSON.stringify(usage)));
  });

  it("is serialized anew when the gateway rewrote a finish reason or completed a choice's shape", async () => {
    answer = '{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"eos"}],"x":1e2}';
    const reply = JSON.parse(await viaHttp());
    expect(reply.choices[0]).toEqual({ index: 0, message: { role: "assistant", content: "x", refusal: null }, logprobs: null, finish_reason: "stop" });
    expect(reply.x).toBe(100);
  });
});

describe("embeddings spliced from the client's and the upstream's own text", () => {
  let fixture: GatewayFixture;
  beforeAll(async () => {
    fixture = await startGatewayFixture({ handler: answerWith });
  });
  afterAll(() => fixture.close());

  const vector = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1, max: 1 }), { maxLength: 8 });
  const embeddingsAnswer = fc.record(
    {
      object: fc.constant("list"),
      data: fc.array(fc.record({ object: fc.constant("embedding"), index: fc.nat(5), embedding: fc.oneof(vector, fc.base64String()) }), { maxLength: 3 }),
      model: text,
      usage: fc.oneof(fc.constant(undefined), fc.record({ prompt_tokens: fc.nat(100), total_tokens: fc.nat(100), extra: text }, { requiredKeys: ["prompt_tokens", "total_tokens"] })),
    },
    { requiredKeys: ["object", "data", "model"] },
  );
  const embeddingsRequest = fc.record(
    {
      model: fc.constant("fake/embed-small"),
      // An empty string is refused before the upstream (OpenAI's spec), so the property starts from a character.
      input: fc.oneof(text.filter((value) => value.length > 0), fc.array(text, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(50_000), { minLength: 1, maxLength: 5 })),
      dimensions: fc.integer({ min: 1, max: 3072 }),
      encoding_format: fc.constantFrom("float", "base64"),
      user: text,
    },
    { requiredKeys: ["model", "input"] },
  );

  it("sends the request as written but for the model, and answers what the embedded API answers", async () => {
    await fc.assert(
      fc.asyncProperty(embeddingsRequest, embeddingsAnswer, fc.constantFrom(0, 2), async (request, body, indent) => {
        answer = JSON.stringify(body, null, indent);
        const response = await fetch(`${fixture.baseUrl}/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request, null, indent) });
        expect(response.status).toBe(200);
        expect(JSON.parse(fixture.upstream.requests.at(-1)!.raw)).toEqual({ ...request, model: "embed-small" });
        const embedded = await fixture.gateway.embed(request);
        expect(JSON.parse(await response.text())).toEqual(JSON.parse(JSON.stringify(embedded)));
      }),
      { numRuns: 60 },
    );
  });

  it("passes vectors back exactly as the upstream printed them", async () => {
    answer = '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.10000000000000001,-2.5E-3,1.0]}],"model":"m","usage":{"prompt_tokens":2,"total_tokens":2}}';
    const sent = '{"model": "fake/embed-small", "input": "hi"}';
    const response = await fetch(`${fixture.baseUrl}/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: sent });
    const reply = await response.text();
    expect(reply).toContain('"embedding":[0.10000000000000001,-2.5E-3,1.0]');
    expect(JSON.parse(reply).usage).toMatchObject({ prompt_tokens: 2, total_tokens: 2 });
    expect(fixture.upstream.requests.at(-1)!.raw).toBe('{"model": "embed-small", "input": "hi"}');
  });
});
