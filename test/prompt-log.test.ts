import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/gateway/gateway.js";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

const lines: string[] = [];
const sink = new Writable({ write(chunk, _encoding, done) { lines.push(...String(chunk).split("\n").filter(Boolean)); done(); } });
let upstream: FakeUpstream;
let gateway: Gateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await createGateway({
    logger: pino({ level: "info" }, sink),
    config: {
      storage: { url: "memory://" },
      log: { redact: { patterns: ["project-[a-z]+"] } },
      providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl } },
    },
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const promptLines = () => lines.map((l) => JSON.parse(l) as { type?: string; prompt?: unknown; completion?: string; key_id?: string | null }).filter((l) => l.type === "prompt_log");
const ask = (headers: Record<string, string>) =>
  gateway.fetch("http://gw/v1/chat/completions", {
    method: "POST",
    headers,
    body: JSON.stringify({ model: "fake/m", messages: [{ role: "user", content: "mail bob@example.com, card 4111 1111 1111 1111, codename project-falcon" }] }),
  });

it("logs nothing by default, and a key's prompts redacted when it opts in", async () => {
  await ask({});
  expect(promptLines()).toHaveLength(0);
  const quiet = (await gateway.admin("POST", "/admin/keys", { name: "quiet" })) as { key: string };
  const loud = (await gateway.admin("POST", "/admin/keys", { name: "loud", log_prompts: true })) as { key: string; id: string };
  await ask({ authorization: `Bearer ${quiet.key}` });
  expect(promptLines()).toHaveLength(0);
  await ask({ authorization: `Bearer ${loud.key}` });
  const [entry] = promptLines();
  expect(entry!.key_id).toBe(loud.id);
  const text = JSON.stringify(entry!.prompt);
  expect(text).toContain("[EMAIL]");
  expect(text).toContain("[CARD]");
  expect(text).toContain("[REDACTED]");
  expect(text).not.toMatch(/bob@example|4111|falcon/);
  expect(entry!.completion).toBe("Hello!");
});

it("masks credentials a user pasted into a prompt, virtual keys included", async () => {
  const loud = (await gateway.admin("POST", "/admin/keys", { name: "paster", log_prompts: true })) as { key: string };
  const pasted = (await gateway.admin("POST", "/admin/keys", { name: "pasted" })) as { key: string };
  lines.length = 0;
  await gateway.fetch("http://gw/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${loud.key}` },
    body: JSON.stringify({ model: "fake/m", messages: [{ role: "user", content: `why does ${pasted.key} fail? also sk-proj-abcdefghijklmnop1234` }] }),
  });
  const text = JSON.stringify(promptLines()[0]!.prompt);
  expect(text).not.toContain(pasted.key);
  expect(text).not.toContain("sk-proj-abcdefghijklmnop1234");
  expect(text).toContain("[REDACTED]");
});
