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
  // No Origin: not a preflight, an OPTIONS like any other method the route does not answer.
  const plain = await gateway.fetch("http://gw/v1/chat/completions", { method: "OPTIONS" });
  expect(plain.status).toBe(405);
  expect(plain.headers.get("allow")).toBe("POST");
  expect(((await plain.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
  const health = await gateway.fetch("http://gw/health", { headers: { origin: "https://app.example" } });
  expect(health.headers.get("access-control-allow-origin")).toBe("https://app.example");
  expect(health.headers.get("access-control-expose-headers")).toContain("x-switchyard-cost-usd");
  const other = await gateway.fetch("http://gw/health", { headers: { origin: "https://evil.example" } });
  expect(other.headers.get("access-control-allow-origin")).toBeNull();
});

it("ignores '*' without a master key: any web page could otherwise use the open API, admin included", async () => {
  const preflight = (gw: Gateway, origin: string) =>
    gw.fetch("http://gw/admin/keys", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
  const open = await createGateway({ logger: createLogger("silent"), config: { storage: { url: "memory://" }, server: { cors_origins: ["*", "http://localhost:3000"] } } });
  try {
    expect((await preflight(open, "https://evil.example")).status).toBe(403);
    const created = await open.fetch("http://gw/admin/keys", { method: "POST", headers: { origin: "https://evil.example", "content-type": "text/plain" }, body: JSON.stringify({ name: "stolen" }) });
    expect(created.status).toBe(403);
    expect(((await created.json()) as { error: { code: string } }).error.code).toBe("cross_origin_refused");
    // An origin listed by name still counts.
    expect((await preflight(open, "http://localhost:3000")).headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
  } finally {
    await open.close();
  }
  process.env.SY_TEST_CORS_MASTER = "sy-master-cors-0a1b2c3d4e5f60718";
  const guarded = await createGateway({ logger: createLogger("silent"), config: { storage: { url: "memory://" }, server: { cors_origins: ["*"], master_key: "env:SY_TEST_CORS_MASTER" } } });
  try {
    // With a master key every call needs a credential, so '*' is the operator's informed choice.
    expect((await preflight(guarded, "https://any.example")).headers.get("access-control-allow-origin")).toBe("*");
  } finally {
    await guarded.close();
  }
});
