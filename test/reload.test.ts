/**
 * Config hot reload: new providers, aliases and prices apply to new requests
 * without dropping in-flight ones; an invalid config is rejected and the old
 * one keeps serving. Through the API, SIGHUP and a file change.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { startServer } from "../src/server/http-server.js";
import { chunk, echoHandler, sendJson, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

let a: FakeUpstream;
let b: FakeUpstream;
beforeAll(async () => {
  [a, b] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
  // A streams slowly: ten pieces over ~400 ms.
  a.handle((request, res) => {
    if (!request.body?.stream) return echoHandler(request, res);
    res.writeHead(200, { "content-type": "text/event-stream" });
    let i = 0;
    const timer = setInterval(() => {
      if (i < 10) res.write(`data: ${JSON.stringify(chunk("a", { content: `a${i++} ` }))}\n\n`);
      else {
        clearInterval(timer);
        res.write(`data: ${JSON.stringify(chunk("a", {}, "stop"))}\n\n`);
        res.end("data: [DONE]\n\n");
      }
    }, 40);
  });
});
afterAll(() => Promise.all([a.close(), b.close()]));

const config = (target: "a" | "b", price: number) => ({
  storage: { url: "memory://" },
  providers: {
    a: { type: "openai-compatible", base_url: a.baseUrl },
    ...(target === "b" && { b: { type: "openai-compatible", base_url: b.baseUrl } }),
  },
  models: { smart: { deployments: [{ provider: target, model: `model-${target}` }] } },
  pricing: { [`${target}/model-${target}`]: { input: price, output: price } },
});

describe("gateway.reload", () => {
  it("refuses to drop the master key (the loopback-only rule is applied at startup), and keeps enforcing it", async () => {
    const withKey = { ...config("a", 1), server: { master_key: "sk-master-reload-test-0001" } };
    const gateway = await createGateway({ config: withKey, logger: createLogger("silent") });
    try {
      await expect(gateway.reload(config("a", 1))).rejects.toThrow(/master_key cannot be removed by a reload/);
      expect((await gateway.fetch("http://gw/admin/keys")).status).toBe(401);
      // Rotating it is a reload like any other.
      await gateway.reload({ ...config("a", 1), server: { master_key: "sk-master-reload-test-0002" } });
      expect((await gateway.fetch("http://gw/admin/keys", { headers: { authorization: "Bearer sk-master-reload-test-0002" } })).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it("applies a new body limit to the next request, and warns about server settings that wait for a restart", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(piece: Buffer, _encoding, done) {
        lines.push(piece.toString());
        done();
      },
    });
    const gateway = await createGateway({ config: config("a", 1), logger: pino({ level: "warn" }, sink) });
    const running = await startServer(gateway, { host: "127.0.0.1", port: 0 });
    try {
      const send = () =>
        fetch(`${running.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "smart", messages: [{ role: "user", content: "x".repeat(2_000) }] }) });
      expect((await send()).status).toBe(200);
      await gateway.reload({ ...config("a", 1), server: { max_body_bytes: 1_000, keep_alive_timeout_ms: 1_000 } });
      expect((await send()).status).toBe(413);
      expect(lines.join("")).toContain("server.keep_alive_timeout_ms changes apply after a restart");
      expect(lines.join("")).not.toContain("max_body_bytes changes");
    } finally {
      await running.close();
      await gateway.close();
    }
  });

  it("switches new requests, finishes in-flight ones, rejects invalid configs", async () => {
    const gateway = await createGateway({ config: config("a", 1), logger: createLogger("silent") });
    const ask = (stream: boolean) =>
      gateway.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "smart", stream, messages: [{ role: "user", content: "hi" }] }) });
    try {
      const inFlight = Array.from({ length: 10 }, () => ask(true).then((r) => r.text()));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await gateway.reload(config("b", 2));
      const after = await ask(false);
      expect(after.headers.get("x-switchyard-provider")).toBe("b");
      expect(Number(after.headers.get("x-switchyard-cost-usd"))).toBeCloseTo(((12 + 5) * 2) / 1e6, 12);
      for (const text of await Promise.all(inFlight)) {
        expect(text).toContain("a9 ");
        expect(text.trim().endsWith("data: [DONE]")).toBe(true);
        expect(text).not.toContain('"error"');
      }
      await expect(gateway.reload({ providers: { x: { type: "martian" } } })).rejects.toThrow(/unknown provider type/);
      expect((await ask(false)).headers.get("x-switchyard-provider")).toBe("b");
      const audit = (await gateway.admin("GET", "/admin/audit")) as { data: Array<{ action: string }> };
      expect(audit.data.map((e) => e.action)).toEqual(expect.arrayContaining(["config.reloaded", "config.rejected"]));
    } finally {
      await gateway.close();
    }
  });
});

describe("a reload and the provider's keys", () => {
  it("keeps a key the provider refused out of rotation", async () => {
    const keys = ["sk-reload-bad-000001", "sk-reload-good-000002"];
    const upstream = await startFakeUpstream((request, res) => {
      if (request.headers.authorization !== `Bearer ${keys[0]}`) return echoHandler(request, res);
      sendJson(res, 401, { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } });
    });
    const keyed = (alias: string) => ({
      storage: { url: "memory://" },
      providers: { p: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: keys } },
      models: { [alias]: { deployments: [{ provider: "p", model: "m" }] } },
    });
    const gateway = await createGateway({ config: keyed("before"), logger: createLogger("silent") });
    try {
      const ask = (model: string) => gateway.fetch("http://gw/v1/chat/completions", { method: "POST", body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }) });
      for (let i = 0; i < 2; i++) expect((await ask("before")).status).toBe(200);
      const refused = () => upstream.requests.filter((request) => request.headers.authorization === `Bearer ${keys[0]}`).length;
      expect(refused()).toBe(1);
      await gateway.reload(keyed("after"));
      for (let i = 0; i < 4; i++) expect((await ask("after")).status).toBe(200);
      expect(refused()).toBe(1);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

describe("switchyard start", () => {
  it("reloads on SIGHUP and on a file change", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sy-reload-"));
    const file = join(dir, "switchyard.yaml");
    const yaml = (target: string) =>
      `storage: { url: "memory://" }\nproviders:\n  a: { type: openai-compatible, base_url: "${a.baseUrl}" }\n  b: { type: openai-compatible, base_url: "${b.baseUrl}" }\nmodels:\n  smart: { deployments: [{ provider: ${target}, model: m }] }\n`;
    writeFileSync(file, yaml("a"));
    const child = spawn(process.execPath, ["bin/switchyard.js", "start", "--config", file, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
    try {
      let log = "";
      child.stderr.on("data", (part: Buffer) => (log += part.toString()));
      await expect.poll(() => /listening on (http:\/\/[\d.:]+)/.exec(log)?.[1], { timeout: 10_000 }).toBeTruthy();
      const url = /listening on (http:\/\/[\d.:]+)/.exec(log)![1]!;
      const provider = async () =>
        (await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "smart", messages: [{ role: "user", content: "hi" }] }) })).headers.get("x-switchyard-provider");
      expect(await provider()).toBe("a");
      writeFileSync(file, yaml("b"));
      await expect.poll(provider, { timeout: 5_000, interval: 100 }).toBe("b");
      writeFileSync(file, "providers: [oops");
      await expect.poll(() => log.includes("config reload rejected"), { timeout: 5_000 }).toBe(true);
      expect(await provider()).toBe("b");
      writeFileSync(file, yaml("a"));
      await expect.poll(provider, { timeout: 5_000, interval: 100 }).toBe("a");
      child.kill("SIGHUP");
      await expect.poll(() => log.includes("(SIGHUP)"), { timeout: 5_000 }).toBe(true);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
