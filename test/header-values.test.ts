/**
 * Model names are the client's, and some reach response headers: one that
 * holds characters a header cannot carry must still get its answer (and its
 * ledger row), with the name percent-encoded in the header.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { startServer, type RunningServer } from "../src/server/http-server.js";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { ledgerRows } from "./helpers/ledger-rows.js";

let upstream: FakeUpstream;
let gateway: Gateway;
let running: RunningServer;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await createGateway({ logger: createLogger("silent"), config: { storage: { url: "memory://" }, providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl } } } });
  running = await startServer(gateway, { host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await running.close();
  await gateway.close();
  await upstream.close();
});

for (const stream of [false, true]) {
  it(`a model name with non-ASCII and control characters is answered and recorded (${stream ? "stream" : "non-stream"})`, async () => {
    const model = `gpt-é-ā\r\nX-Injected: 1 ${stream}`;
    const response = await fetch(`${running.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: `fake/${model}`, stream, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-model")).toBe(encodeURIComponent(model));
    expect(response.headers.get("x-injected")).toBeNull();
    await response.text();
    await expect.poll(async () => [...(await ledgerRows(gateway)).values()].some((row) => row.model === model && row.status === 200)).toBe(true);
  });
}
