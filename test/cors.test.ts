import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";

let gateway: Gateway;
beforeAll(async () => {
  gateway = await createGateway({ logger: createLogger("silent"), config: { storage: { url: "memory://" }, server: { cors_origins: ["https://app.example"] } } });
});
afterAll(() => gateway.close());

it("answers preflights for allowed origins only and exposes the route headers", async () => {
  const ok = await gateway.fetch("http://gw/v1/chat/completions", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
  expect(ok.status).toBe(204);
  expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
  expect(ok.headers.get("access-control-allow-headers")).toContain("authorization");
  const denied = await gateway.fetch("http://gw/v1/chat/completions", { method: "OPTIONS", headers: { origin: "https://evil.example" } });
  expect(denied.status).toBe(403);
  const health = await gateway.fetch("http://gw/health", { headers: { origin: "https://app.example" } });
  expect(health.headers.get("access-control-allow-origin")).toBe("https://app.example");
  expect(health.headers.get("access-control-expose-headers")).toContain("x-switchyard-cost-usd");
  const other = await gateway.fetch("http://gw/health", { headers: { origin: "https://evil.example" } });
  expect(other.headers.get("access-control-allow-origin")).toBeNull();
});
