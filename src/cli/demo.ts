/**
 * `switchyard demo`: the gateway in front of three simulated providers (one
 * flaky, one rate-limited, one slow), so routing, failover and cost can be
 * watched without any API key.
 */
import type { SwitchyardConfigInput } from "../config/schema.js";
import { startSimulatedProvider } from "../demo/simulated-provider.js";
import { createGateway } from "../gateway/gateway.js";
import { startServer } from "../server/http-server.js";

export async function runDemo(options: { port?: number; requests?: number }): Promise<void> {
  const [flaky, limited, steady] = await Promise.all([
    startSimulatedProvider({ name: "flaky-fast", failureRate: 0.4, latencyMs: 40 }),
    startSimulatedProvider({ name: "rate-limited", failureRate: 0, latencyMs: 60, rateLimitEvery: 3 }),
    startSimulatedProvider({ name: "steady-premium", failureRate: 0, latencyMs: 120 }),
  ]);
  const config: SwitchyardConfigInput = {
    server: { port: options.port ?? 4000 },
    storage: { url: "memory://" },
    log: { level: "warn" },
    providers: {
      flaky: { type: "openai-compatible", base_url: flaky.baseUrl, models: ["sim-mini"] },
      limited: { type: "openai-compatible", base_url: limited.baseUrl, models: ["sim-standard"] },
      premium: { type: "openai-compatible", base_url: steady.baseUrl, models: ["sim-large"] },
    },
    models: {
      cheap: { deployments: [{ provider: "flaky", model: "sim-mini" }, { provider: "limited", model: "sim-standard" }], fallbacks: ["smart"], retries: 1 },
      smart: { deployments: [{ provider: "premium", model: "sim-large" }] },
    },
    routing: { rules: [{ tags: ["summarize"], model: "cheap" }], backoff: { base_ms: 50, max_ms: 200, max_wait_ms: 1000 } },
    pricing: {
      "flaky/sim-mini": { input: 0.15, output: 0.6 },
      "limited/sim-standard": { input: 0.5, output: 1.5 },
      "premium/sim-large": { input: 3, output: 15 },
    },
  };
  const gateway = await createGateway({ config });
  const server = await startServer(gateway, { host: "127.0.0.1", port: config.server!.port! });
  console.log(`Switchyard demo on ${server.url} with three simulated providers (no API key needed).`);
  console.log(`  cheap -> flaky/sim-mini (fails 40%), limited/sim-standard (429 every 3rd), then falls back to smart`);
  console.log(`  smart -> premium/sim-large\n`);
  const count = options.requests ?? 8;
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-switchyard-tags": i % 2 === 0 ? "summarize" : "" },
      body: JSON.stringify({ model: i % 2 === 0 ? "smart" : "cheap", messages: [{ role: "user", content: `Demo request ${i + 1}` }] }),
    });
    const body = (await response.json()) as { usage?: { cost?: number } };
    const cost = response.headers.get("x-switchyard-cost-usd") ?? (body.usage?.cost !== undefined ? String(body.usage.cost) : "n/a");
    console.log(`#${i + 1} ${response.status} route=${response.headers.get("x-switchyard-route")} cost=$${cost}`);
  }
  console.log(`\nTry it yourself:\n  curl ${server.url}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"cheap","messages":[{"role":"user","content":"hi"}]}' -i`);
  console.log(`  curl ${server.url}/admin/providers\nPress Ctrl+C to stop.`);
  const stop = async () => {
    await server.close(2000);
    await gateway.close();
    await Promise.all([flaky.close(), limited.close(), steady.close()]);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}
