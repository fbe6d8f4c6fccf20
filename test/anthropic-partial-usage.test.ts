/**
 * A stream from an Anthropic upstream that ends early is billed for what it
 * produced: `message_start` says one output token as a placeholder, and only
 * `message_delta` brings the final count. Without it, the input counts stand,
 * the output is counted locally, and the row says `estimated`.
 */
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/index.js";
import { createLogger } from "../src/gateway/logger.js";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

let upstream: FakeUpstream;
let gw: Gateway;

const WORDS = Array.from({ length: 30 }, (_, i) => `word${i} `);
const send = (res: ServerResponse, type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.handle((request, res) => {
    const how = (request.body?.messages as Array<{ content: string }>)[0]!.content;
    res.writeHead(200, { "content-type": "text/event-stream" });
    send(res, "message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, usage: { input_tokens: 120, output_tokens: 1 } } });
    send(res, "content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    for (const word of WORDS) send(res, "content_block_delta", { index: 0, delta: { type: "text_delta", text: word } });
    if (how === "hang") return; // the client leaves mid-stream
    if (how === "overloaded") {
      send(res, "error", { error: { type: "overloaded_error", message: "Overloaded" } });
      res.end();
      return;
    }
    send(res, "content_block_stop", { index: 0 });
    send(res, "message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 30 } });
    send(res, "message_stop", {});
    res.end();
  });
  gw = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: { claude: { type: "anthropic", base_url: `${upstream.url}/v1`, api_key: "sk-ant-test-000000000000" } },
      pricing: { "claude/claude-sonnet-4-5": { input: 3, output: 15 } },
    },
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

async function streamed(content: string, stopAfter = Infinity) {
  let text = "";
  let failure: unknown;
  try {
    for await (const chunk of gw.stream({ model: "claude/claude-sonnet-4-5", messages: [{ role: "user", content }], max_tokens: 100 })) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (text.split(" ").length > stopAfter) break;
    }
  } catch (error) {
    failure = error;
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { text, failure, row: (await gw.reports.requests(1))[0]! };
}

it("a complete stream keeps the upstream's final count, exact", async () => {
  const { row } = await streamed("complete");
  expect(row).toMatchObject({ status: 200, input_tokens: 120, output_tokens: 30, estimated: false });
  expect(row.cost_usd).toBeCloseTo((120 * 3 + 30 * 15) / 1e6, 12);
});

it("a client that leaves mid-stream: input as reported, output counted locally, marked estimated", async () => {
  const { row } = await streamed("hang", 20);
  expect(row).toMatchObject({ status: 499, error_kind: "client_closed", input_tokens: 120, estimated: true });
  expect(row.output_tokens).toBeGreaterThan(10);
  expect(row.cost_usd!).toBeGreaterThan((120 * 3 + 10 * 15) / 1e6);
});

it("an upstream error mid-stream: the same", async () => {
  const { failure, row } = await streamed("overloaded");
  expect(failure).toMatchObject({ status: 503 });
  expect(row).toMatchObject({ status: 503, input_tokens: 120, estimated: true });
  expect(row.output_tokens).toBeGreaterThan(10);
});
