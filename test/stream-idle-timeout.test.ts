/**
 * `stream_idle_timeout_ms` is the longest silence between two stream events once
 * the first content arrived: before it, `first_token_timeout_ms` alone applies;
 * SSE comments (keep-alives) are no event; and the cut comes on time.
 */
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/index.js";
import { createLogger } from "../src/gateway/logger.js";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

let upstream: FakeUpstream;
let gw: Gateway;

const chunk = (res: ServerResponse, delta: object, finish: string | null = null) =>
  res.write(`data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
const timers = new Set<NodeJS.Timeout>();
const later = (ms: number, run: () => void) => timers.add(setTimeout(run, ms));

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.handle((request, res) => {
    const how = (request.body?.messages as Array<{ content: string }>)[0]!.content;
    res.writeHead(200, { "content-type": "text/event-stream" });
    chunk(res, { role: "assistant", content: "" });
    if (how === "thinks-long") {
      // 1.2 s to the first token: past the 400 ms idle window, within the 5 s first-token one.
      later(1_200, () => {
        chunk(res, { content: "late but fine" });
        chunk(res, {}, "stop");
        res.end("data: [DONE]\n\n");
      });
    } else if (how === "keep-alives") {
      chunk(res, { content: "part" });
      // Then only comments, every 100 ms, forever.
      const beat = setInterval(() => res.write(": keep-alive\n\n"), 100);
      res.on("close", () => clearInterval(beat));
      timers.add(beat);
    }
  });
  gw = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: { slow: { type: "openai-compatible", base_url: upstream.baseUrl, first_token_timeout_ms: 5_000, stream_idle_timeout_ms: 400 } },
    },
  });
});
afterAll(async () => {
  for (const timer of timers) clearTimeout(timer);
  await gw.close();
  await upstream.close();
});

async function run(content: string) {
  const started = performance.now();
  let text = "";
  let failure: unknown;
  try {
    for await (const part of gw.stream({ model: "slow/m", messages: [{ role: "user", content }] })) text += part.choices[0]?.delta.content ?? "";
  } catch (error) {
    failure = error;
  }
  return { text, failure, ms: performance.now() - started, row: (await gw.reports.requests(1))[0]! };
}

it("waits for the first token by the first-token timeout, not the shorter idle one", async () => {
  const { text, failure, row } = await run("thinks-long");
  expect(failure).toBeUndefined();
  expect(text).toBe("late but fine");
  expect(row.status).toBe(200);
});

it("cuts a stream that sends only keep-alive comments after the idle window, on time", async () => {
  const { text, failure, ms, row } = await run("keep-alives");
  expect(text).toBe("part");
  expect(failure).toMatchObject({ status: 504 });
  expect((failure as Error).message).toContain("sent no stream event for 400 ms");
  expect(row).toMatchObject({ status: 504, error_kind: "timeout" });
  // The window is 400 ms from the last event; undici's own body timer fired up to 0.5 s late and never for comments.
  expect(ms).toBeGreaterThanOrEqual(390);
  expect(ms).toBeLessThan(3_000);
});
