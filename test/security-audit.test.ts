/**
 * Regression tests from a security audit: what one client could do to the
 * gateway or its operator with hostile input, over real HTTP.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { MAX_MODEL_NAME_LENGTH } from "../src/gateway/http/model-name.js";
import { startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./helpers/gateway-fixture.js";
import { sendJson } from "./helpers/fake-upstream.js";
import { ledgerRows } from "./helpers/ledger-rows.js";

let fixture: GatewayFixture;
beforeAll(async () => {
  fixture = await startGatewayFixture({
    // memory:// takes each ledger row at once: a row written would be seen.
    config: (upstream) => ({ storage: { url: "memory://" }, providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY } } }),
  });
});
afterAll(() => fixture.close());

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${fixture.server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" }, body: JSON.stringify(body) });
}

describe("a model name is bounded (it is stored in every ledger row and keys the plan cache)", () => {
  const huge = `fake/${"A".repeat(1_000_000)}`;
  const messages = [{ role: "user", content: "hi" }];

  it.each([
    ["/v1/chat/completions", { model: huge, messages }, "model"],
    ["/v1/chat/completions", { model: "fake/m", models: [huge], messages }, "models[0]"],
    ["/v1/chat/completions", { models: [huge], messages }, "model"],
    ["/v1/chat/completions", { model: huge, messages, stream: true }, "model"],
    ["/v1/embeddings", { model: huge, input: "hi" }, "model"],
    ["/v1/messages", { model: huge, max_tokens: 5, messages }, undefined],
    ["/v1/messages", { model: "fake/m", models: [huge], max_tokens: 5, messages }, undefined],
    ["/v1/messages/count_tokens", { model: huge, messages }, undefined],
  ])("%s refuses a megabyte-long model with a 400, without an upstream call or a ledger row", async (path, body, param) => {
    const before = fixture.upstream.requests.length;
    const rowsBefore = (await ledgerRows(fixture.gateway)).size;
    const res = await post(path, body);
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text.length).toBeLessThan(2_000);
    if (param) expect(JSON.parse(text).error.param).toBe(param);
    expect(fixture.upstream.requests.length).toBe(before);
    expect((await ledgerRows(fixture.gateway)).size).toBe(rowsBefore);
  });

  it("still serves a long but plausible model name", async () => {
    const res = await post("/v1/chat/completions", { model: `fake/${"m".repeat(MAX_MODEL_NAME_LENGTH - 5)}`, messages });
    expect(res.status).toBe(200);
  });
});

describe("files the gateway creates with private data are its owner's alone", () => {
  it("a new SQLite database (and its WAL) and the prompt log are mode 0600, whatever the umask", async () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-modes-"));
    const previous = process.umask(0o022);
    const gateway = await createGateway({
      logger: createLogger("silent"),
      config: {
        storage: { url: `sqlite://${join(dir, "switchyard.db")}` },
        log: { prompts: true, prompts_file: join(dir, "prompts.jsonl") },
        providers: { fake: { type: "openai-compatible", base_url: fixture.upstream.baseUrl } },
      },
    });
    try {
      await gateway.chat({ model: "fake/m", messages: [{ role: "user", content: "private words" }] });
      await new Promise((done) => setTimeout(done, 100)); // the prompt log writes asynchronously
      for (const file of ["switchyard.db", "switchyard.db-wal", "prompts.jsonl"]) {
        expect({ file, mode: statSync(join(dir, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
      }
    } finally {
      process.umask(previous);
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a large body is read only once the request's headers pass (no credential, no megabytes buffered)", () => {
  const MASTER = "sk-master-audit-large-body-0001";
  let guarded: GatewayFixture;
  beforeAll(async () => {
    guarded = await startGatewayFixture({
      config: (upstream) => ({ server: { master_key: MASTER }, storage: { url: "memory://" }, providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY } } }),
    });
  });
  afterAll(() => guarded.close());

  /** Sends the head and a first piece of a body declared `declared` bytes long (or chunked), then waits for the status line. */
  function statusBeforeBodyEnds(path: string, headers: Record<string, string>, declared?: number): Promise<string> {
    const url = new URL(guarded.server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        const framing = declared === undefined ? "transfer-encoding: chunked\r\n" : `content-length: ${declared}\r\n`;
        const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
        socket.write(`POST ${path} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n${framing}${extra}\r\n`);
        const piece = "[" + " ".repeat(1023);
        socket.write(declared === undefined ? `${piece.length.toString(16)}\r\n${piece}\r\n` : piece);
      });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve("no answer while the body was unfinished");
      }, 2_000);
      socket.once("data", (data) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.toString("latin1").split("\r\n")[0]!);
      });
      socket.on("error", reject);
    });
  }

  it.each([
    ["/v1/chat/completions", {}, 5_000_000],
    ["/v1/chat/completions", { authorization: "Bearer sk-sy-not-a-real-key" }, 5_000_000],
    ["/v1/messages", { "x-api-key": "wrong" }, 5_000_000],
    ["/admin/keys", {}, 5_000_000],
    ["/v1/chat/completions", {}, undefined],
    ["/no/such/route", { authorization: `Bearer ${MASTER}` }, 5_000_000],
  ])("POST %s with %j is refused before its body is read", async (path, headers, declared) => {
    expect(await statusBeforeBodyEnds(path, headers, declared)).toMatch(/^HTTP\/1\.1 40[14] /);
  });

  it("a request with a valid key and a large body is served", async () => {
    const res = await fetch(`${guarded.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "fake/m", messages: [{ role: "user", content: "x".repeat(200_000) }] }),
    });
    expect(res.status).toBe(200);
  });

  it("a refusal before the body says which credential is missing, in the route's own shape", async () => {
    const res = await fetch(`${guarded.server.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: " ".repeat(100_000) + "{}" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { type: string }).type).toBe("error");
  });
});

describe("GET /v1/models cannot multiply upstream calls", () => {
  it("concurrent listings share one upstream model-list call", async () => {
    const slow = await startGatewayFixture({
      handler: (_request, res) => {
        setTimeout(() => sendJson(res, 200, { object: "list", data: [{ id: "m1", object: "model" }] }), 200);
      },
      config: (upstream) => ({ storage: { url: "memory://" }, providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY } } }),
    });
    try {
      const replies = await Promise.all(Array.from({ length: 20 }, () => fetch(`${slow.baseUrl}/models`).then((res) => res.json() as Promise<{ data: Array<{ id: string }> }>)));
      for (const reply of replies) expect(reply.data.map((card) => card.id)).toEqual(["fake/m1"]);
      expect(slow.upstream.requests.filter((request) => request.url.endsWith("/models")).length).toBe(1);
    } finally {
      await slow.close();
    }
  });
});

describe("a provider key typed into the model field", () => {
  it("is stored redacted in every ledger column, also when it is the served model", async () => {
    const typed = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789";
    for (const model of [`fake/${typed}`, `fake/${UPSTREAM_KEY}`]) {
      const res = await post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] });
      expect(res.status).toBe(200);
      const id = res.headers.get("x-request-id")!;
      const row = (await ledgerRows(fixture.gateway)).get(id)!;
      const stored = JSON.stringify(row);
      expect(stored).not.toContain(typed);
      expect(stored).not.toContain(UPSTREAM_KEY);
      expect(row.model).toContain("[REDACTED]");
      expect(row.route).toContain("[REDACTED]");
    }
  });
});
