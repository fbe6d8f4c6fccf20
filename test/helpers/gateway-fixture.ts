/**
 * Starts a gateway over HTTP in front of one fake upstream, for end-to-end tests.
 */
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import type { SwitchyardConfigInput } from "../../src/config/schema.js";
import { startServer, type RunningServer } from "../../src/server/http-server.js";
import { createLogger } from "../../src/gateway/logger.js";
import { startFakeUpstream, type FakeHandler, type FakeUpstream } from "./fake-upstream.js";

export const UPSTREAM_KEY = "sk-upstream-canary-0123456789abcdef";

export interface GatewayFixture {
  upstream: FakeUpstream;
  gateway: Gateway;
  server: RunningServer;
  /** Gateway base URL with `/v1`. */
  baseUrl: string;
  close(): Promise<void>;
}

export async function startGatewayFixture(
  options: { handler?: FakeHandler; config?: (upstream: FakeUpstream) => SwitchyardConfigInput } = {},
): Promise<GatewayFixture> {
  const upstream = await startFakeUpstream(options.handler);
  const config = options.config?.(upstream) ?? {
    providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY } },
    models: { smart: { deployments: [{ provider: "fake", model: "gpt-fake" }] } },
  };
  const gateway = await createGateway({ config, logger: createLogger("silent") });
  const server = await startServer(gateway, { host: "127.0.0.1", port: 0 });
  return {
    upstream,
    gateway,
    server,
    baseUrl: `${server.url}/v1`,
    async close() {
      await server.close(1000);
      await gateway.close();
      await upstream.close();
    },
  };
}
