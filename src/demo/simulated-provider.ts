/**
 * A local stand-in for a real provider, speaking the OpenAI wire format (JSON
 * and SSE with usage), with a configurable failure rate and latency. Used by
 * `switchyard demo` so newcomers can watch routing, failover and cost with no key.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SimulatedProviderOptions {
  name: string;
  /** Fraction of requests answered with a 503 (0–1). */
  failureRate: number;
  latencyMs: number;
  /** Answered with 429 + Retry-After once every N requests (0 = never). */
  rateLimitEvery?: number;
}

export interface SimulatedProvider {
  name: string;
  baseUrl: string;
  close(): Promise<void>;
}

const WORDS = "Switchyard routed this answer to the provider that could take it at the price you set".split(" ");

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export async function startSimulatedProvider(options: SimulatedProviderOptions): Promise<SimulatedProvider> {
  let served = 0;
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      served++;
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method === "GET") return send(200, { object: "list", data: [{ id: "sim-1", object: "model", created: 0, owned_by: options.name }] });
      let body: { model?: string; stream?: boolean; messages?: unknown } = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString("utf8"));
      } catch {
        return send(400, { error: { message: "invalid JSON", type: "invalid_request_error", param: null, code: null } });
      }
      if (options.rateLimitEvery && served % options.rateLimitEvery === 0) {
        return send(429, { error: { message: `${options.name}: rate limit reached`, type: "requests", param: null, code: "rate_limit_exceeded" } }, { "retry-after": "2" });
      }
      if (Math.random() < options.failureRate) {
        return send(503, { error: { message: `${options.name} is overloaded (simulated)`, type: "server_error", param: null, code: null } });
      }
      const words = WORDS.map((word, i) => (i === 0 ? word : ` ${word}`));
      const usage = { prompt_tokens: estimateTokens(JSON.stringify(body.messages ?? "")), completion_tokens: words.length, total_tokens: 0 };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      const base = { id: `chatcmpl-sim-${served}`, created: Math.floor(Date.now() / 1000), model: body.model ?? "sim" };
      setTimeout(() => {
        if (!body.stream) {
          return send(200, { ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: words.join(""), refusal: null }, logprobs: null, finish_reason: "stop" }], usage });
        }
        res.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
        res.write(chunk({ role: "assistant", content: "" }, null));
        for (const word of words) res.write(chunk({ content: word }, null));
        res.write(chunk({}, "stop"));
        res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\n`);
        res.end("data: [DONE]\n\n");
      }, options.latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name: options.name,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
