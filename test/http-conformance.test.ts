/**
 * HTTP as clients other than the SDKs speak it: methods (405 with `Allow`, HEAD),
 * compressed request bodies, a byte order mark, the absolute request form, and
 * the client's request id on replies made before the gateway read the body.
 */
import { connect } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { validateOpenAI } from "./helpers/openapi.js";
import { echoHandler } from "./helpers/fake-upstream.js";
import { startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./helpers/gateway-fixture.js";

const LIMIT = 64 * 1024;
let fixture: GatewayFixture;

beforeAll(async () => {
  fixture = await startGatewayFixture({
    config: (upstream) => ({
      server: { max_body_bytes: LIMIT },
      providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY } },
      models: { smart: { deployments: [{ provider: "fake", model: "gpt-fake" }] } },
    }),
  });
});
afterAll(() => fixture.close());
afterEach(() => fixture.upstream.handle(echoHandler));

const CHAT = JSON.stringify({ model: "smart", messages: [{ role: "user", content: "hi" }] });

async function post(path: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const response = await fetch(`${fixture.server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) };
}

/** Raw HTTP/1.1 (requests fetch cannot send): what the server answers until it closes, or until `untilMs` passed. */
function rawExchange(request: string, untilMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(fixture.server.url);
    const socket = connect(Number(url.port), url.hostname, () => socket.write(request));
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, untilMs);
    socket.on("data", (data) => (answer += data));
    socket.on("end", () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on("error", reject);
  });
}

describe("methods", () => {
  it("a 405 names the methods the path answers in Allow", async () => {
    const cases: Array<[string, string, string]> = [
      ["GET", "/v1/chat/completions", "POST"],
      ["PUT", "/v1/embeddings", "POST"],
      ["DELETE", "/v1/models", "GET, HEAD"],
      ["DELETE", "/v1/models/smart", "GET, HEAD"],
      ["OPTIONS", "/v1/messages", "POST"],
      ["PUT", "/admin/keys/key_1", "GET, HEAD, PATCH, DELETE"],
    ];
    for (const [method, path, allow] of cases) {
      const response = await fetch(`${fixture.server.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("allow"), `${method} ${path}`).toBe(allow);
      const body = await response.json();
      if (path.startsWith("/v1/messages")) expect(body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
      else validateOpenAI("ErrorResponse", body);
    }
  });

  it("HEAD is answered wherever GET is, with GET's headers and no body, over HTTP and gw.fetch", async () => {
    for (const path of ["/v1/models", "/v1/models/smart", "/health"]) {
      const get = await fetch(`${fixture.server.url}${path}`);
      const head = await fetch(`${fixture.server.url}${path}`, { method: "HEAD" });
      expect(head.status, path).toBe(200);
      expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
      expect(await head.text()).toBe("");
      const inProcess = await fixture.gateway.fetch(`http://switchyard${path}`, { method: "HEAD" });
      expect(inProcess.status).toBe(200);
      expect(inProcess.body).toBeNull();
    }
  });
});

describe("request bodies", () => {
  const encodings: Array<[string, (body: Buffer) => Buffer]> = [["gzip", gzipSync], ["deflate", deflateSync], ["br", brotliCompressSync]];
  for (const [coding, compress] of encodings) {
    it(`a ${coding} body is decoded, and the upstream gets the JSON`, async () => {
      const result = await post("/v1/chat/completions", compress(Buffer.from(CHAT)), { "content-encoding": coding });
      expect(result.status, result.text).toBe(200);
      validateOpenAI("CreateChatCompletionResponse", result.json);
      expect(fixture.upstream.requests.at(-1)!.body).toMatchObject({ model: "gpt-fake", messages: [{ role: "user", content: "hi" }] });
    });
  }

  it("a compressed body over the limit once decoded is a 413; a corrupt one a 400; an unknown coding a 415", async () => {
    const before = fixture.upstream.requests.length;
    const bomb = gzipSync(Buffer.from(JSON.stringify({ model: "smart", messages: [{ role: "user", content: "x".repeat(LIMIT * 4) }] })));
    expect(bomb.length).toBeLessThan(LIMIT);
    const tooLarge = await post("/v1/chat/completions", bomb, { "content-encoding": "gzip" });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.error.code).toBe("request_too_large");
    const corrupt = await post("/v1/chat/completions", CHAT, { "content-encoding": "gzip" });
    expect(corrupt.status).toBe(400);
    expect(corrupt.json.error.message).toMatch(/not valid gzip/);
    const unknown = await post("/v1/chat/completions", CHAT, { "content-encoding": "zstd" });
    expect(unknown.status).toBe(415);
    validateOpenAI("ErrorResponse", unknown.json);
    expect(unknown.json.error).toMatchObject({ code: "unsupported_content_encoding", message: expect.stringMatching(/'zstd' is not supported/) });
    const anthropic = await post("/v1/messages", CHAT, { "content-encoding": "compress" });
    expect(anthropic.status).toBe(415);
    expect(anthropic.json).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(fixture.upstream.requests.length).toBe(before);
  });

  it("a UTF-8 byte order mark before the JSON is ignored, and not sent on", async () => {
    const result = await post("/v1/chat/completions", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CHAT)]));
    expect(result.status, result.text).toBe(200);
    expect(fixture.upstream.requests.at(-1)!.raw.charCodeAt(0)).toBe("{".charCodeAt(0));
  });

  it("a body over the limit keeps the client's x-request-id", async () => {
    const result = await post("/v1/chat/completions", "x".repeat(LIMIT + 1), { "x-request-id": "client-req-413" });
    expect(result.status).toBe(413);
    expect(result.headers.get("x-request-id")).toBe("client-req-413");
  });

  it("Expect: 100-continue with a body declared over the limit gets its 413 at once, without inviting the body", async () => {
    const head = (length: number) =>
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n\r\n`;
    const refused = await rawExchange(head(LIMIT + 1));
    expect(refused.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    // Within the limit, the client is invited to send the body.
    const invited = await rawExchange(head(Buffer.byteLength(CHAT)), 300);
    expect(invited.split("\r\n")[0]).toBe("HTTP/1.1 100 Continue");
  });

  it("a missing embeddings input is named as required", async () => {
    const result = await post("/v1/embeddings", JSON.stringify({ model: "smart" }));
    expect(result.status).toBe(400);
    expect(result.json.error).toMatchObject({ message: "'input' is required", param: "input" });
  });
});

it("a request target in absolute form (as sent to a proxy) reaches its route", async () => {
  const answer = await rawExchange(
    `POST ${fixture.server.url}/v1/chat/completions?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(CHAT)}\r\n\r\n${CHAT}`,
  );
  expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
  validateOpenAI("CreateChatCompletionResponse", JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)));
});
