/**
 * Bare vendor model names, as Claude Code and OpenAI clients send them
 * (`claude-sonnet-4-5-20250929`, `gpt-4o-mini`), route to the one configured
 * provider of that vendor without an alias; with two providers of one type the
 * name stays unknown (an alias says which).
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { createLogger } from "../src/gateway/logger.js";
import { echoHandler, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";
import { sendRecorded } from "./helpers/provider-fixtures.js";

let anthropic: FakeUpstream;
let openai: FakeUpstream;
let gateway: Gateway;

beforeAll(async () => {
  [anthropic, openai] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
  anthropic.handle((request, res) => sendRecorded(res, "anthropic", "anthropic-text", request.body?.stream === true));
  openai.handle(echoHandler);
  gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: {
        claude: { type: "anthropic", base_url: `${anthropic.url}/v1`, api_key: "sk-ant-test-000000000000" },
        oai: { type: "openai", base_url: openai.baseUrl, api_key: "sk-test-upstream-000000" },
        "oai-eu": { type: "openai", base_url: openai.baseUrl, api_key: "sk-test-upstream-000001" },
        groq: { type: "groq", base_url: openai.baseUrl, api_key: "gsk-test-upstream-00000" },
      },
    },
  });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([anthropic.close(), openai.close()]);
});

describe("bare vendor model names", () => {
  it("Claude Code's dated model id reaches the Anthropic provider, streamed and not", async () => {
    const client = new Anthropic({ apiKey: "none", baseURL: "http://gw", fetch: gateway.fetch, maxRetries: 0 });
    const message = await client.messages.create({ model: "claude-sonnet-4-5-20250929", max_tokens: 64, messages: [{ role: "user", content: "hi" }] });
    expect(message.content[0]).toMatchObject({ type: "text" });
    const streamed = await client.messages.stream({ model: "claude-haiku-9-9-20991231", max_tokens: 64, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    expect(streamed.content[0]).toMatchObject({ type: "text" });
    expect(anthropic.requests.map((request) => request.body?.model)).toEqual(["claude-sonnet-4-5-20250929", "claude-haiku-9-9-20991231"]);
  });

  it("a name of a vendor with one provider routes there; with two, it is unknown and says how to choose", async () => {
    const client = new OpenAI({ apiKey: "none", baseURL: "http://gw/v1", fetch: gateway.fetch, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(response.headers.get("x-switchyard-provider")).toBe("groq");
    const ambiguous = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).catch((error: unknown) => error);
    expect(ambiguous).toBeInstanceOf(OpenAI.NotFoundError);
    expect((ambiguous as InstanceType<typeof OpenAI.NotFoundError>).message).toContain("'provider/model'");
  });
});
