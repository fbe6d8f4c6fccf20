/**
 * A scriptable fake provider that speaks the exact OpenAI wire format (JSON and
 * SSE), records what it received, and can inject faults: error bodies, rate-limit
 * headers, resets, hangs, garbage.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown> | undefined;
  raw: string;
  /** The client side's port: tells connections (and so client processes) apart. */
  remotePort: number | undefined;
}

export type FakeHandler = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  url: string;
  /** Base URL with `/v1`. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replaces the handler (default: OpenAI-shaped echo). */
  handle(handler: FakeHandler): void;
  /** Requests whose connection closed before the fake answered (client aborts). */
  aborted: number;
  close(): Promise<void>;
}

export const DEFAULT_USAGE = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 0, accepted_prediction_tokens: 2 } };

export function completionBody(model: string, content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "chatcmpl-fake1",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: DEFAULT_USAGE,
    system_fingerprint: "fp_fake",
    ...extra,
  };
}

export function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null): Record<string, unknown> {
  return { id: "chatcmpl-fake1", object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

/** A typical text stream: role, content pieces, finish, usage (when asked: then, as OpenAI's, `"usage": null` on the chunks before), [DONE]. */
export function textStream(model: string, pieces: string[], includeUsage: boolean): string[] {
  const events = [chunk(model, { role: "assistant", content: "" }), ...pieces.map((p) => chunk(model, { content: p })), chunk(model, {}, "stop")];
  if (includeUsage) for (const event of events) event.usage = null;
  if (includeUsage) events.push({ id: "chatcmpl-fake1", object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [], usage: DEFAULT_USAGE });
  return [...events.map((e) => JSON.stringify(e)), "[DONE]"];
}

export function sendSse(res: ServerResponse, payloads: string[], headers: Record<string, string> = {}): void {
  res.writeHead(200, { "content-type": "text/event-stream", ...headers });
  for (const payload of payloads) res.write(`data: ${payload}\n\n`);
  res.end();
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** Default behaviour: echo the model, answer "Hello!" or stream "Hel","lo!". */
export const echoHandler: FakeHandler = (request, res) => {
  const body = request.body ?? {};
  const model = String(body.model ?? "unknown");
  if (request.url.endsWith("/models")) return sendJson(res, 200, { object: "list", data: [{ id: "fake-model", object: "model", created: 1, owned_by: "fake" }] });
  if (request.url.endsWith("/embeddings")) {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    return sendJson(res, 200, { object: "list", model, data: inputs.map((_, index) => ({ object: "embedding", index, embedding: [0.1, 0.2, 0.3] })), usage: { prompt_tokens: 3, total_tokens: 3 } });
  }
  if (body.stream === true) {
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    return sendSse(res, textStream(model, ["Hel", "lo!"], includeUsage));
  }
  return sendJson(res, 200, completionBody(model, "Hello!"));
};

export async function startFakeUpstream(handler: FakeHandler = echoHandler): Promise<FakeUpstream> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const state = { aborted: 0 };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const raw = Buffer.concat(parts).toString("utf8");
      let body: Record<string, unknown> | undefined;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body, raw, remotePort: req.socket.remotePort };
      requests.push(recorded);
      res.on("close", () => {
        if (!res.writableFinished) state.aborted++;
      });
      Promise.resolve(current(recorded, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    handle(next) {
      current = next;
    },
    get aborted() {
      return state.aborted;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
