/**
 * The embedded API (DESIGN §3.4): the same core without a server.
 */
import OpenAI, { APIUserAbortError } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/index.js";
import { createLogger } from "../src/gateway/logger.js";
import { validateOpenAI } from "./helpers/openapi.js";
import { echoHandler, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { ledgerRows } from "./helpers/ledger-rows.js";

let upstream: FakeUpstream;
let gw: Gateway;
beforeAll(async () => {
  upstream = await startFakeUpstream();
  gw = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: { local: { type: "openai-compatible", base_url: upstream.baseUrl } },
      models: { smart: { deployments: [{ provider: "local", model: "m" }] } },
    },
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

it("chat, stream, embed and models work in-process", async () => {
  const res = await gw.chat({ model: "smart", messages: [{ role: "user", content: "Hi" }] });
  validateOpenAI("CreateChatCompletionResponse", res);
  expect(res.choices[0]!.message.content).toBe("Hello!");
  expect(res.usage?.cost).toBe(0);

  let text = "";
  const chunks = [];
  const asked = { model: "smart", messages: [{ role: "user", content: "Hi" }], stream_options: { include_usage: true } };
  for await (const chunk of gw.stream(asked)) {
    validateOpenAI("CreateChatCompletionStreamResponse", chunk);
    chunks.push(chunk);
    text += chunk.choices[0]?.delta.content ?? "";
  }
  expect(text).toBe("Hello!");
  expect(asked).not.toHaveProperty("stream");
  expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5, cost: 0 });

  const embedded = await gw.embed({ model: "local/e", input: "x" });
  validateOpenAI("CreateEmbeddingResponse", embedded);
  expect((await gw.models()).map((m) => m.id)).toContain("smart");
});

it("rejects bad input with a GatewayError the caller can inspect", async () => {
  await expect(gw.chat({ model: "smart", messages: "nope" })).rejects.toMatchObject({ kind: "bad_request", status: 400, param: "messages" });
  await expect(gw.chat({ model: "missing", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 404, code: "model_not_found" });
});

describe("a caller's abort", () => {
  // The upstream never answers; only the caller's abort ends each call.
  const hang = () => upstream.handle(() => {});
  afterEach(() => upstream.handle(echoHandler));
  const newest = async () => [...(await ledgerRows(gw)).values()].sort((a, b) => b.ts - a.ts)[0]!;
  const ask = { model: "smart", messages: [{ role: "user", content: "Hi" }] };

  it("gw.chat rejects with the caller's own reason and the ledger says 499 client_closed", async () => {
    hang();
    const signal = AbortSignal.timeout(50);
    const error = await gw.chat(ask, { signal }).catch((e: unknown) => e);
    expect(error).toBe(signal.reason);
    expect(error).toMatchObject({ name: "TimeoutError" });
    // The row names the provider the request reached before the caller left.
    expect(await newest()).toMatchObject({ status: 499, error_kind: "client_closed", provider: "local", model: "m", attempts: 1 });
  });

  it("the openai SDK over gw.fetch raises its own APIUserAbortError, stream or not", async () => {
    hang();
    const client = new OpenAI({ apiKey: "x", baseURL: "http://switchyard/v1", fetch: gw.fetch, maxRetries: 0 });
    for (const stream of [false, true]) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const params: OpenAI.Chat.ChatCompletionCreateParams = { model: "smart", messages: [{ role: "user", content: "Hi" }], stream };
      await expect(client.chat.completions.create(params, { signal: controller.signal })).rejects.toBeInstanceOf(APIUserAbortError);
      expect(await newest()).toMatchObject({ status: 499, error_kind: "client_closed" });
    }
  });

  it("a stream the caller stops reading (break) is a 499 with what was produced counted", async () => {
    for await (const chunk of gw.stream(ask)) {
      expect(chunk.object).toBe("chat.completion.chunk");
      break;
    }
    expect(await newest()).toMatchObject({ status: 499, error_kind: "client_closed", stream: true });
  });
});

it("a closed gateway says so: calls reject with gateway_closed and HTTP gets a 503", async () => {
  const closing = await createGateway({ logger: createLogger("silent"), config: { storage: { url: "memory://" }, providers: { local: { type: "openai-compatible", base_url: upstream.baseUrl } } } });
  const ask = { model: "local/m", messages: [{ role: "user", content: "Hi" }] };
  await closing.chat(ask);
  // close() reports where the ledger rows went; a second call resolves with the same report.
  const report = await closing.close();
  expect(report).toEqual({ ledger: { written: 1, saved: 0, dropped: 0 } });
  expect(await closing.close()).toBe(report);
  await expect(closing.chat(ask)).rejects.toMatchObject({ status: 503, code: "gateway_closed" });
  await expect(closing.stream(ask)[Symbol.asyncIterator]().next()).rejects.toMatchObject({ status: 503, code: "gateway_closed" });
  const reply = await closing.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify(ask) });
  expect(reply.status).toBe(503);
  expect(await reply.json()).toMatchObject({ error: { code: "gateway_closed", message: "The gateway is closed" } });
  // Not an empty model list, and no reload that would open new connections nothing closes.
  await expect(closing.models()).rejects.toMatchObject({ status: 503, code: "gateway_closed" });
  await expect(closing.reload({ storage: { url: "memory://" }, providers: {} })).rejects.toMatchObject({ status: 503, code: "gateway_closed" });
  expect(closing.config.providers).toHaveProperty("local");
});

it("close() lets calls in flight finish and keeps their ledger rows (chat, stream, embed, fetch)", async () => {
  const slow = await startFakeUpstream();
  slow.handle((request, res) => void setTimeout(() => echoHandler(request, res), 200));
  const closing = await createGateway({ logger: createLogger("silent"), config: { storage: { url: "memory://" }, providers: { local: { type: "openai-compatible", base_url: slow.baseUrl } } } });
  const ask = { model: "local/m", messages: [{ role: "user" as const, content: "Hi" }] };
  const client = new OpenAI({ apiKey: "x", baseURL: "http://switchyard/v1", fetch: closing.fetch, maxRetries: 0 });
  const streamed = async () => {
    let text = "";
    for await (const chunk of closing.stream(ask)) text += chunk.choices[0]?.delta.content ?? "";
    return text;
  };
  const sdkStreamed = async () => {
    let text = "";
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) text += chunk.choices[0]?.delta.content ?? "";
    return text;
  };
  const calls = Promise.all([
    closing.chat(ask).then((reply) => reply.choices[0]!.message.content),
    streamed(),
    closing.embed({ model: "local/e", input: "x" }).then((reply) => reply.data.length),
    client.chat.completions.create(ask).then((reply) => reply.choices[0]!.message.content),
    sdkStreamed(),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const report = await closing.close();
  expect(await calls).toEqual(["Hello!", "Hello!", 1, "Hello!", "Hello!"]);
  expect(report).toEqual({ ledger: { written: 5, saved: 0, dropped: 0 } });
  await slow.close();
});
