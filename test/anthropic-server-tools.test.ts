/**
 * Native turns through `/v1/messages`, driven by the official Anthropic SDK:
 * Anthropic's server tools (web search), Anthropic-defined tools, the MCP
 * connector and the blocks they leave in a conversation reach an Anthropic
 * upstream exactly as the client wrote them, and its message or stream comes
 * back as it wrote it, with `cost` (the search fee included) in the usage.
 * Such a request is served by Anthropic deployments only: others in the same
 * alias are passed over, and a model with none gets a 400 naming the cause.
 * The upstream speaks Anthropic's documented web search format (fixtures in
 * src/providers/anthropic/__fixtures__/anthropic-web-search.*).
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { echoHandler, sendJson, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { ledgerRows } from "./helpers/ledger-rows.js";
import { providerFixture, sendRecorded } from "./helpers/provider-fixtures.js";

let claude: FakeUpstream;
let overloaded: FakeUpstream;
let openai: FakeUpstream;
let slow: FakeUpstream;
let gateway: Gateway;
let client: Anthropic;

const MODEL = "claude/claude-sonnet-4-5";
const FIXTURE = JSON.parse(providerFixture("anthropic", "anthropic-web-search.json")) as Anthropic.Message;
const STREAM_TEXT = providerFixture("anthropic", "anthropic-web-search.chunks.txt");
/** 6,039 input tokens at $3/M, 93 output at $15/M, one search at $10 per 1,000. */
const COST = 0.029512;


beforeAll(async () => {
  [claude, overloaded, openai, slow] = await Promise.all([startFakeUpstream(), startFakeUpstream(), startFakeUpstream(), startFakeUpstream()]);
  claude.handle((request, res) => {
    if (request.url.endsWith("/messages/count_tokens")) return sendJson(res, 200, { input_tokens: 321 });
    sendRecorded(res, "anthropic", "anthropic-web-search", request.body?.stream === true);
  });
  // Anthropic's common overload: a 200, message_start, then an error event.
  overloaded.handle((_request, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(STREAM_TEXT.replaceAll("msg_01WebSearchStream", "msg_01Overloaded000000").split("event: content_block_start")[0]);
    res.end('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
  });
  openai.handle(echoHandler);
  const price = { input: 3, output: 15, web_search_per_1k: 10 };
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: {
        claude: { type: "anthropic", base_url: `${claude.url}/v1`, api_key: "sk-ant-test-000000000000" },
        busy: { type: "anthropic", base_url: `${overloaded.url}/v1`, api_key: "sk-ant-test-111111111111" },
        fake: { type: "openai-compatible", base_url: openai.baseUrl, api_key: "sk-test-upstream-000000" },
        slow: { type: "anthropic", base_url: `${slow.url}/v1`, api_key: "sk-ant-test-222222222222" },
      },
      models: {
        mixed: { strategy: "ordered", deployments: [{ provider: "fake", model: "gpt-x" }, { provider: "claude", model: "claude-sonnet-4-5" }] },
        "gpt-only": { deployments: [{ provider: "fake", model: "gpt-x" }] },
        searching: { first_token_timeout_ms: 150, retries: 0, deployments: [{ provider: "slow", model: "claude-sonnet-4-5" }] },
        failover: { strategy: "ordered", retries: 0, deployments: [{ provider: "busy", model: "claude-sonnet-4-5" }, { provider: "claude", model: "claude-sonnet-4-5" }] },
      },
      pricing: { "claude/claude-sonnet-4-5": price, "busy/claude-sonnet-4-5": price },
    },
  });
  client = new Anthropic({ apiKey: "x", baseURL: "http://gw", fetch: gateway.fetch, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([claude.close(), overloaded.close(), openai.close(), slow.close()]);
});
beforeEach(() => {
  for (const upstream of [claude, overloaded, openai]) upstream.requests.length = 0;
});

const webSearch: Anthropic.WebSearchTool20250305 = { type: "web_search_20250305", name: "web_search", max_uses: 3, allowed_domains: ["weather.example.com"] };
const readFile = { name: "read_file", description: "Reads a file", input_schema: { type: "object" as const, properties: { path: { type: "string" } } } };

function searchTurn(model = MODEL): Anthropic.MessageCreateParamsNonStreaming {
  return { model, max_tokens: 1024, tools: [webSearch, readFile], messages: [{ role: "user", content: "What is the weather in Paris today?" }] };
}

/** The request as the upstream must get it: the client's own, with the deployment's model. */
function asSent(params: object, extra: object = {}): object {
  return { ...params, ...extra, model: "claude-sonnet-4-5" };
}

describe("a web search turn", () => {
  it("reaches Anthropic as sent and answers with its message, cost included", async () => {
    const { data, response } = await client.messages.create(searchTurn()).withResponse();
    expect(claude.requests).toHaveLength(1);
    expect(claude.requests[0]!.body).toEqual(asSent(searchTurn()));
    expect(data).toEqual({ ...FIXTURE, usage: { ...FIXTURE.usage, cost: COST } });
    expect(response.headers.get("x-switchyard-cost-usd")).toBe(String(COST));
    const row = (await ledgerRows(gateway)).get(response.headers.get("x-request-id")!)!;
    expect(row).toMatchObject({ provider: "claude", model: "claude-sonnet-4-5", input_tokens: 6039, output_tokens: 93, status: 200 });
    expect(row.cost_usd).toBe(COST);
  });

  it("streams Anthropic's events as they came, with cost in message_delta's usage", async () => {
    const response = await gateway.fetch("http://gw/v1/messages", { method: "POST", body: JSON.stringify({ ...searchTurn(), stream: true }) });
    expect(response.status).toBe(200);
    expect(claude.requests[0]!.body).toEqual(asSent(searchTurn(), { stream: true }));
    const text = await response.text();
    const [before, after] = STREAM_TEXT.split(/event: message_delta\n.*\n\n/);
    expect(text.startsWith(before!)).toBe(true);
    expect(text.endsWith(after!)).toBe(true);
    const delta = JSON.parse(/event: message_delta\ndata: (.*)\n\n/.exec(text)![1]!) as { usage: Record<string, unknown> };
    expect(delta.usage).toEqual({ input_tokens: 6039, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 93, server_tool_use: { web_search_requests: 1, web_fetch_requests: 0 }, cost: COST });
  });

  it("gives the SDK's stream the same message as the non-stream answer", async () => {
    const message = await client.messages.stream(searchTurn()).finalMessage();
    expect(message.content).toEqual(FIXTURE.content);
    expect(message.usage).toMatchObject({ input_tokens: 6039, output_tokens: 93, server_tool_use: { web_search_requests: 1 } });
  });

  it("sends the next turn's history (server_tool_use, search results, citations) back exactly", async () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      ...searchTurn(),
      messages: [
        ...searchTurn().messages,
        { role: "assistant", content: FIXTURE.content as unknown as Anthropic.ContentBlockParam[] },
        { role: "user", content: "And tomorrow?" },
      ],
    };
    await client.messages.create(params);
    expect(claude.requests[0]!.body).toEqual(asSent(params));
  });
});

describe("other native turns", () => {
  it("pass Anthropic-defined tools, MCP servers, Files API and PDF-by-URL sources and search_result blocks as sent", async () => {
    const bodies: object[] = [
      { model: MODEL, max_tokens: 100, tools: [{ type: "bash_20250124", name: "bash" }], messages: [{ role: "user", content: "ls" }] },
      { model: MODEL, max_tokens: 100, mcp_servers: [{ type: "url", url: "https://mcp.example.com/sse", name: "docs" }], messages: [{ role: "user", content: "Hi" }] },
      { model: MODEL, max_tokens: 100, messages: [{ role: "user", content: [{ type: "document", source: { type: "url", url: "https://docs.example.com/a.pdf" } }, { type: "image", source: { type: "file", file_id: "file_011" } }] }] },
      {
        model: MODEL,
        max_tokens: 100,
        messages: [{ role: "user", content: [{ type: "search_result", source: "https://docs.example.com", title: "Docs", content: [{ type: "text", text: "A fact." }], citations: { enabled: true } }, { type: "text", text: "Use it." }] }],
      },
    ];
    for (const body of bodies) {
      const response = await gateway.fetch("http://gw/v1/messages", { method: "POST", headers: { "anthropic-beta": "mcp-client-2025-04-04, files-api-2025-04-14" }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
      expect(claude.requests.at(-1)!.body).toEqual(asSent(body));
      expect(claude.requests.at(-1)!.headers["anthropic-beta"]).toBe("mcp-client-2025-04-04,files-api-2025-04-14");
    }
  });

  it("count_tokens sends the tools as written", async () => {
    const { input_tokens } = await client.messages.countTokens({ model: MODEL, tools: [webSearch], messages: [{ role: "user", content: "Weather?" }] });
    expect(input_tokens).toBe(321);
    expect(claude.requests[0]!.url).toBe("/v1/messages/count_tokens");
    expect(claude.requests[0]!.body).toEqual({ model: "claude-sonnet-4-5", tools: [webSearch], messages: [{ role: "user", content: "Weather?" }] });
  });
});

describe("a stream that searches before it writes", () => {
  /** The fixture without its opening text block: the search is the first output, then a pause while it runs. */
  const events = STREAM_TEXT.split(/(?<=\n\n)/).filter((event) => !event.includes('"index":0') && !event.startsWith("event: ping"));
  const searched = events.findIndex((event) => event.includes("web_search_tool_result"));

  it("sends its headers at the search's first block, so the first-token timeout does not cut the search short", async () => {
    slow.handle(async (_request, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(events.slice(0, searched).join(""));
      await new Promise((resolve) => setTimeout(resolve, 400));
      res.end(events.slice(searched).join(""));
    });
    const response = await gateway.fetch("http://gw/v1/messages", { method: "POST", body: JSON.stringify({ ...searchTurn("searching"), stream: true }) });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(events.slice(0, -2).join(""));
  });
});

describe("routing a native turn", () => {
  it("passes over deployments of other providers in its alias", async () => {
    const message = await client.messages.create(searchTurn("mixed"));
    expect(message.content).toEqual(FIXTURE.content);
    expect(openai.requests).toHaveLength(0);
    // The same alias without server tools still starts with its first deployment.
    await client.messages.create({ model: "mixed", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] });
    expect(openai.requests).toHaveLength(1);
  });

  it("is refused with a 400 naming the cause when the model has no Anthropic deployment", async () => {
    const error = await client.messages.create(searchTurn("gpt-only")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (error as InstanceType<typeof Anthropic.BadRequestError>).error as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/^Tool type 'web_search_20250305' is for Anthropic models, and model 'gpt-only' has no Anthropic deployment/);
    expect(openai.requests).toHaveLength(0);
    const file = { model: "gpt-only", max_tokens: 10, messages: [{ role: "user", content: [{ type: "text", text: "Summarise" }, { type: "document", source: { type: "file", file_id: "file_011" } }] }] };
    const refused = await gateway.fetch("http://gw/v1/messages", { method: "POST", body: JSON.stringify(file) });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringMatching(/^A document with a 'file' source is for Anthropic models/) } });
  });

  it("fails over to the next Anthropic deployment before the first event", async () => {
    const response = await gateway.fetch("http://gw/v1/messages", { method: "POST", body: JSON.stringify({ ...searchTurn("failover"), stream: true }) });
    const text = await response.text();
    expect(overloaded.requests).toHaveLength(1);
    expect(claude.requests).toHaveLength(1);
    // Nothing of the failed attempt (its message_start) reached the client.
    expect(text.startsWith(STREAM_TEXT.split("event: message_delta")[0]!)).toBe(true);
    expect(text).not.toContain("msg_01Overloaded");
    expect(response.headers.get("x-switchyard-provider")).toBe("claude");
    expect(response.headers.get("x-switchyard-attempts")).toBe("2");
  });
});
