/**
 * Chunks that open a stream without content (OpenAI's role chunk, Anthropic's
 * `message_start`) are held until the first content: an upstream that fails
 * right after them still fails over to the next deployment, and the
 * first-token timeout waits for a token, not for the opening event.
 */
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/index.js";
import { createLogger } from "../src/gateway/logger.js";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

let claude: FakeUpstream;
let openai: FakeUpstream;
let backup: FakeUpstream;
let gw: Gateway;

const anthropicEvent = (res: ServerResponse, type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
const openaiChunk = (res: ServerResponse, delta: object, finish: string | null = null) =>
  res.write(`data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);

beforeAll(async () => {
  [claude, openai, backup] = await Promise.all([startFakeUpstream(), startFakeUpstream(), startFakeUpstream()]);
  claude.handle((request, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    anthropicEvent(res, "message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 10, output_tokens: 1 } } });
    if (request.body?.model === "claude-stall") return; // nothing more: the first-token timeout's case
    anthropicEvent(res, "error", { error: { type: "overloaded_error", message: "Overloaded" } });
    res.end();
  });
  openai.handle((_request, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    openaiChunk(res, { role: "assistant", content: "" });
    setTimeout(() => res.destroy(), 50); // the connection drops after the role chunk reached the gateway
  });
  backup.handle((_request, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    openaiChunk(res, { role: "assistant", content: "" });
    openaiChunk(res, { content: "from the backup" });
    openaiChunk(res, {}, "stop");
    res.end("data: [DONE]\n\n");
  });
  gw = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: {
        claude: { type: "anthropic", base_url: `${claude.url}/v1`, api_key: "sk-ant-test-000000000000", first_token_timeout_ms: 300, stream_idle_timeout_ms: 10_000 },
        flaky: { type: "openai-compatible", base_url: openai.baseUrl },
        backup: { type: "openai-compatible", base_url: backup.baseUrl },
      },
      models: {
        "after-start": { deployments: [{ provider: "claude", model: "claude-sonnet-4-5" }, { provider: "backup", model: "m" }], retries: 0 },
        "after-role": { deployments: [{ provider: "flaky", model: "m" }, { provider: "backup", model: "m" }], retries: 0 },
        "stall-after-start": { deployments: [{ provider: "claude", model: "claude-stall" }, { provider: "backup", model: "m" }], retries: 0 },
      },
    },
  });
});
afterAll(async () => {
  await gw.close();
  await Promise.all([claude.close(), openai.close(), backup.close()]);
});

async function streamText(model: string) {
  let text = "";
  let roles = 0;
  for await (const chunk of gw.stream({ model, messages: [{ role: "user", content: "Hi" }], max_tokens: 50 })) {
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.choices[0]?.delta.role) roles++;
  }
  const row = (await gw.reports.requests(1))[0]!;
  return { text, roles, row };
}

it("fails over when an Anthropic upstream sends message_start and then an overloaded error", async () => {
  const { text, roles, row } = await streamText("after-start");
  expect(text).toBe("from the backup");
  expect(roles).toBe(1);
  expect(row).toMatchObject({ status: 200, provider: "backup", attempts: 2 });
  expect(row.route).toMatch(/^claude\/claude-sonnet-4-5:.*>backup\/m:200$/);
});

it("fails over when an OpenAI-format upstream drops the connection after its role chunk", async () => {
  const { text, row } = await streamText("after-role");
  expect(text).toBe("from the backup");
  expect(row).toMatchObject({ status: 200, provider: "backup", attempts: 2 });
});

it("the first-token timeout waits for a token: message_start then silence fails over at that timeout", async () => {
  const started = Date.now();
  const { text, row } = await streamText("stall-after-start");
  expect(text).toBe("from the backup");
  expect(row.route).toMatch(/^claude\/claude-stall:timeout>backup\/m:200$/);
  // Cut by the 300 ms first-token timeout, not by the 10 s idle timeout.
  expect(Date.now() - started).toBeLessThan(5_000);
});
