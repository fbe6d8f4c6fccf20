/**
 * `RunningServer.close()` under keep-alive traffic: clients sending request after
 * request on the same connections do not hold the drain open (replies say
 * `Connection: close`, idle connections close), and requests still running at the
 * grace deadline are answered as cancelled by the gateway (503), with their ledger
 * rows written before the ledger closes.
 */
import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { startServer, type RunningServer } from "../src/server/http-server.js";
import { chunk, echoHandler, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());

async function startGateway(): Promise<{ gateway: Gateway; running: RunningServer }> {
  const gateway = await createGateway({
    config: { storage: { url: "memory://" }, providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl } } },
    logger: createLogger("silent"),
  });
  return { gateway, running: await startServer(gateway, { host: "127.0.0.1", port: 0 }) };
}

interface Sent {
  startedAt: number;
  status: number;
  connection: string | undefined;
}

/** One request on the agent's keep-alive connections; status 0 when the connection failed. */
function send(url: string, agent: Agent, stream: boolean): Promise<Sent> {
  const startedAt = performance.now();
  const body = JSON.stringify({ model: "fake/m", stream, messages: [{ role: "user", content: "hi" }] });
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/v1/chat/completions`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ startedAt, status: res.statusCode ?? 0, connection: res.headers.connection }));
      res.on("error", () => resolve({ startedAt, status: 0, connection: undefined }));
    });
    req.on("error", () => resolve({ startedAt, status: 0, connection: undefined }));
    req.end(body);
  });
}

const rowsByStatus = async (gateway: Gateway) => {
  const counts: Record<number, number> = {};
  for (const row of await gateway.reports.requests(10_000)) counts[row.status] = (counts[row.status] ?? 0) + 1;
  return counts;
};

it("keep-alive clients do not hold the drain open: replies during it say Connection: close", async () => {
  upstream.requests.length = 0;
  upstream.handle((request, res) => {
    // Latencies spread over 20-80 ms: the clients never all wait between requests at once.
    if (!request.body?.stream) return void setTimeout(() => echoHandler(request, res), 20 + ((upstream.requests.length * 37) % 60));
    // A stream whose headers leave before the drain starts and whose end comes after.
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`data: ${JSON.stringify(chunk("m", { role: "assistant", content: "" }))}\n\n`);
    setTimeout(() => res.end(`data: ${JSON.stringify(chunk("m", {}, "stop"))}\n\ndata: [DONE]\n\n`), 150);
  });
  const { gateway, running } = await startGateway();
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const results: Sent[] = [];
  // Eight clients, each sending its next request as soon as the last one was answered, until refused.
  const clients = Array.from({ length: 8 }, async (_, i) => {
    await new Promise((resolve) => setTimeout(resolve, i * 7));
    for (;;) {
      const sent = await send(running.url, agent, i < 2);
      results.push(sent);
      if (sent.status === 0) return;
    }
  });
  await expect.poll(() => results.length, { timeout: 5000, interval: 5 }).toBeGreaterThan(20);

  const closeAt = performance.now();
  await running.close(5_000);
  const drainMs = performance.now() - closeAt;
  await Promise.all(clients);
  agent.destroy();

  // In-flight requests take at most 150 ms: the drain ends with them, far before the grace
  // (without Connection: close, the clients would keep it open until then).
  expect(drainMs).toBeLessThan(1_500);
  const afterClose = results.filter((r) => r.startedAt > closeAt && r.status !== 0);
  expect(afterClose.every((r) => r.connection === "close")).toBe(true);
  const answered = results.filter((r) => r.status === 200).length;
  // Every request that reached the upstream was answered and has one row.
  expect(await rowsByStatus(gateway)).toEqual({ 200: answered });
  expect(upstream.requests.length).toBe(answered);
  await gateway.close();
});

it("requests still running at the grace deadline are answered 503 shutting_down, streams end with an error event, and each has its row before close() returns", async () => {
  upstream.requests.length = 0;
  // The upstream never answers (a stream: never after its first event); the gateway cancels its call at the deadline.
  upstream.handle((request, res) => {
    if (!request.body?.stream) return;
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`data: ${JSON.stringify(chunk("m", { role: "assistant", content: "Hel" }))}\n\n`);
  });
  const { gateway, running } = await startGateway();
  const agent = new Agent({ keepAlive: true });
  const pending = Array.from({ length: 6 }, () => send(running.url, agent, false));
  const streamed = fetch(`${running.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "fake/m", stream: true, messages: [{ role: "user", content: "hi" }] }),
  }).then(async (res) => ({ status: res.status, text: await res.text() }));
  await expect.poll(() => upstream.requests.length, { timeout: 5000, interval: 5 }).toBe(7);

  await running.close(100);
  expect(running.inFlight()).toBe(0);
  // Right away, before the gateway (and its ledger) closes.
  expect(await rowsByStatus(gateway)).toEqual({ 503: 7 });
  const answers = await Promise.all(pending);
  expect(answers.map((r) => r.status)).toEqual([503, 503, 503, 503, 503, 503]);
  const stream = await streamed;
  expect(stream.status).toBe(200);
  expect(stream.text).toContain("Hel");
  expect(stream.text).toMatch(/"code":"shutting_down"/);
  agent.destroy();
  await gateway.close();
});
