/**
 * Clients too slow to send their request, and requests node:http cannot parse,
 * get the gateway's JSON error (Node's own 408 and 400 have no body), and the
 * connection is closed after it; nothing of theirs is left behind.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateOpenAI } from "./helpers/openapi.js";
import { startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./helpers/gateway-fixture.js";

const HEADERS_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 400;
let fixture: GatewayFixture;

beforeAll(async () => {
  fixture = await startGatewayFixture({
    config: (upstream) => ({
      server: { headers_timeout_ms: HEADERS_TIMEOUT_MS, request_timeout_ms: REQUEST_TIMEOUT_MS },
      providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: UPSTREAM_KEY } },
      models: { smart: { deployments: [{ provider: "fake", model: "gpt-fake" }] } },
    }),
  });
});
afterAll(() => fixture.close());

interface Exchange {
  status: string;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the request's first byte until the server closed the connection. */
  closedAfterMs: number;
}

/** Sends `request` in one write, then nothing more: what the server answers, once it closed the connection. */
function stalledExchange(request: string, giveUpMs = 10_000): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const url = new URL(fixture.server.url);
    const socket = connect(Number(url.port), url.hostname);
    const started = Date.now();
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open past ${giveUpMs} ms; answered: ${JSON.stringify(answer)}`));
    }, giveUpMs);
    socket.on("connect", () => socket.write(request));
    socket.on("data", (data) => (answer += data));
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      const [head = "", body = ""] = answer.split("\r\n\r\n");
      const [status = "", ...lines] = head.split("\r\n");
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
      resolve({ status, headers, body, closedAfterMs: Date.now() - started });
    });
  });
}

const head = (path: string, length: number, extra = "") =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

describe("a request body sent too slowly", () => {
  it("gets a JSON 408 in the OpenAI shape once request_timeout_ms passed, and the connection closes", async () => {
    const answer = await stalledExchange(head("/v1/chat/completions", 200, "X-Request-Id: slow-body-1\r\n") + `{"model":"smart",`);
    expect(answer.status).toBe("HTTP/1.1 408 Request Timeout");
    expect(answer.headers).toMatchObject({ "content-type": "application/json", connection: "close", "x-request-id": "slow-body-1" });
    const body = JSON.parse(answer.body);
    validateOpenAI("ErrorResponse", body);
    expect(body.error).toMatchObject({ code: "request_timeout", message: expect.stringMatching(/within 400 ms/) });
    expect(answer.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(answer.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 1_000);
    expect(fixture.upstream.requests).toHaveLength(0);
    expect(fixture.server.inFlight()).toBe(0);
  });

  it("in Anthropic's shape under /v1/messages", async () => {
    const answer = await stalledExchange(head("/v1/messages", 200));
    expect(answer.status).toBe("HTTP/1.1 408 Request Timeout");
    expect(JSON.parse(answer.body)).toMatchObject({ type: "error", error: { type: expect.any(String), message: expect.stringMatching(/too slowly/) } });
  });

  it("a body that arrives in time leaves no timer behind", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    const before = timers();
    const chat = JSON.stringify({ model: "smart", messages: [{ role: "user", content: "hi" }] });
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${fixture.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: chat });
      expect(response.status).toBe(200);
      await response.text();
    }
    // Twenty body timers left running would each hold the event loop for request_timeout_ms.
    expect(timers() - before).toBeLessThan(5);
  });
});

describe("what node:http refuses itself", () => {
  it("headers sent too slowly get a JSON 408, and the connection closes", async () => {
    const answer = await stalledExchange("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    expect(answer.status).toBe("HTTP/1.1 408 Request Timeout");
    expect(answer.headers).toMatchObject({ "content-type": "application/json", connection: "close" });
    const body = JSON.parse(answer.body);
    validateOpenAI("ErrorResponse", body);
    expect(body.error.code).toBe("request_timeout");
  });

  it("a request it cannot parse gets a JSON 400, and the connection closes", async () => {
    const answer = await stalledExchange("NONSENSE\r\n\r\n");
    expect(answer.status).toBe("HTTP/1.1 400 Bad Request");
    const body = JSON.parse(answer.body);
    validateOpenAI("ErrorResponse", body);
    expect(body.error.type).toBe("invalid_request_error");
  });
});
