/**
 * A gateway served over HTTP (port 0) in front of a fake OpenAI-format
 * upstream, with in-memory storage, a log capture, and small HTTP helpers for
 * the admin API and the client routes. Used by the governance tests (keys,
 * scopes, limits, budgets, audit, secrets).
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import type { SwitchyardConfigInput } from "../../src/config/schema.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import { startServer, type RunningServer } from "../../src/server/http-server.js";
import { chunk, sendJson, sendSse, startFakeUpstream, type FakeHandler, type FakeUpstream } from "./fake-upstream.js";

/** Prompt tokens the fake reports: below the gateway's own estimate of any prompt used in these tests. */
export const FAKE_PROMPT_TOKENS = 5;
/** Completion tokens the fake reports when the request sets no cap. */
export const FAKE_DEFAULT_COMPLETION_TOKENS = 5;

/** Mutable knobs of the governance fake (shared by every request of one harness). */
export interface FakeKnobs {
  /** Milliseconds to wait before answering a chat request. */
  delayMs: number;
}

function capOf(body: Record<string, unknown>): number {
  const cap = body.max_completion_tokens ?? body.max_tokens;
  return typeof cap === "number" ? cap : FAKE_DEFAULT_COMPLETION_TOKENS;
}

/**
 * OpenAI-format answers whose usage respects the request: `completion_tokens`
 * equals `max_tokens` when set (the worst case the gateway reserved for).
 */
export function governanceHandler(knobs: FakeKnobs): FakeHandler {
  return async (request, res) => {
    const body = request.body ?? {};
    const model = String(body.model ?? "unknown");
    if (request.url.endsWith("/models")) {
      return sendJson(res, 200, { object: "list", data: [{ id: "gpt-fake", object: "model", created: 1, owned_by: "fake" }] });
    }
    if (request.url.endsWith("/embeddings")) {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      return sendJson(res, 200, { object: "list", model, data: inputs.map((_, index) => ({ object: "embedding", index, embedding: [0.1, 0.2, 0.3] })), usage: { prompt_tokens: 3, total_tokens: 3 } });
    }
    if (knobs.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, knobs.delayMs));
    const completion = capOf(body);
    const usage = { prompt_tokens: FAKE_PROMPT_TOKENS, completion_tokens: completion, total_tokens: FAKE_PROMPT_TOKENS + completion };
    if (body.stream === true) {
      return sendSse(res, [
        JSON.stringify(chunk(model, { role: "assistant", content: "" })),
        JSON.stringify(chunk(model, { content: "Hello" })),
        JSON.stringify(chunk(model, {}, "stop")),
        JSON.stringify({ id: "chatcmpl-fake1", object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [], usage }),
        "[DONE]",
      ]);
    }
    return sendJson(res, 200, {
      id: "chatcmpl-fake1",
      object: "chat.completion",
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: "Hello", refusal: null }, logprobs: null, finish_reason: "length" }],
      usage,
    });
  };
}

export interface Harness {
  upstream: FakeUpstream;
  gateway: Gateway;
  server: RunningServer;
  /** Gateway root URL (no `/v1`). */
  url: string;
  knobs: FakeKnobs;
  /** Every log line the gateway wrote (pino at level "trace"). */
  logs: string[];
  /** The credential sent when `call` gets no `key` option; undefined sends none. */
  master: string | undefined;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Builds the config from the fake upstream; the default has one `openai-compatible` provider `fake` and alias `smart`. */
  config: (upstream: FakeUpstream) => SwitchyardConfigInput;
  /** The master key in plain text, for admin helpers (when the config sets one). */
  master?: string;
  handler?: FakeHandler;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const knobs: FakeKnobs = { delayMs: 0 };
  const upstream = await startFakeUpstream(options.handler ?? governanceHandler(knobs));
  const logs: string[] = [];
  const sink = new Writable({
    write(piece: Buffer | string, _encoding, done) {
      for (const line of piece.toString().split("\n")) if (line.trim() !== "") logs.push(line);
      done();
    },
  });
  const gateway = await createGateway({ config: options.config(upstream), logger: pino({ level: "trace" }, sink) });
  const server = await startServer(gateway, { host: "127.0.0.1", port: 0 });
  return {
    upstream,
    gateway,
    server,
    url: server.url,
    knobs,
    logs,
    master: options.master,
    async close() {
      await server.close(1000);
      await gateway.close();
      await upstream.close();
    },
  };
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON (SSE). */
  json: any;
}

export interface CallOptions {
  /** Sent as `Authorization: Bearer <key>`; null sends no credential. */
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP request to the gateway; the body is read completely. */
export async function call(harness: Harness, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers["content-type"] ??= "application/json";
  const key = options.key === undefined ? harness.master : options.key;
  if (key !== null && key !== undefined) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${harness.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface CreatedKey {
  id: string;
  secret: string;
  prefix: string;
  /** The whole creation response. */
  body: Record<string, unknown>;
}

/** `POST /admin/keys` with the harness's master key (or none); throws unless 201. */
export async function createKey(harness: Harness, body: Record<string, unknown>): Promise<CreatedKey> {
  const result = await call(harness, "POST", "/admin/keys", { body });
  if (result.status !== 201) throw new Error(`POST /admin/keys answered ${result.status}: ${result.text}`);
  return { id: result.json.id, secret: result.json.key, prefix: result.json.prefix, body: result.json };
}

export const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: "user", content: "hi" }], ...extra });
export const embeddingsBody = (model: string) => ({ model, input: "hi" });
export const messagesBody = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 16, messages: [{ role: "user", content: "hi" }], ...extra });
