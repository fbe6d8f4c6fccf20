/**
 * `switchyard keys create`: a limit that is not a number, or an empty model
 * list, stops the command (exit 1, naming the flag) before anything reaches the
 * gateway; before, NaN went out as null and created an unlimited key.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { main } from "./main.js";

/** Stands in for process.exit, which would end the test run. */
class Exited extends Error {}

let stderr = "";
let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  stderr = "";
  fetchMock = vi.fn(async () => Response.json({ id: "key_1", key: "sk-sy-test", name: "k" }));
  vi.stubGlobal("fetch", fetchMock);
  vi.stubEnv("SWITCHYARD_MASTER_KEY", "sy-master-test-0000");
  vi.spyOn(process, "exit").mockImplementation(() => {
    throw new Exited();
  });
  vi.spyOn(console, "error").mockImplementation((...parts) => void (stderr += `${parts.join(" ")}\n`));
  vi.spyOn(console, "log").mockImplementation(() => {});
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** `keys create` against a stubbed running gateway; resolves with the exit code (undefined when it returned normally). */
async function create(...flags: string[]): Promise<number | undefined> {
  try {
    await main(["node", "switchyard", "keys", "create", "--url", "http://gateway.test", "--name", "k", ...flags]);
    return undefined;
  } catch (error) {
    if (!(error instanceof Exited)) throw error;
    return vi.mocked(process.exit).mock.calls[0]?.[0] as number | undefined;
  }
}

const sentBody = () => JSON.parse(String((fetchMock.mock.calls[0] as [string, RequestInit])[1].body)) as Record<string, unknown>;

it.each([
  ["--rpm", "abc"],
  ["--rpm", ""],
  ["--tpm", "1e3x"],
  ["--tpm", "0x10"],
  ["--budget", "abc"],
  ["--budget", "Infinity"],
  ["--budget", "1e400"],
])("refuses %s %j with exit 1", async (flag, value) => {
  expect(await create(flag, value)).toBe(1);
  expect(stderr).toContain(`${flag} expects a number, got '${value}'`);
  expect(fetchMock).not.toHaveBeenCalled();
});

it.each(["", " , ,"])("refuses --models %j instead of allowing every model", async (value) => {
  expect(await create("--models", value)).toBe(1);
  expect(stderr).toContain("--models expects a comma-separated list");
  expect(fetchMock).not.toHaveBeenCalled();
});

it("sends well-formed limits as numbers", async () => {
  expect(await create("--rpm", "60", "--tpm", "1e3", "--budget", "2.50", "--models", "smart, openai/*")).toBeUndefined();
  expect(sentBody()).toMatchObject({ name: "k", rpm: 60, tpm: 1000, budget_usd: 2.5, models: ["smart", "openai/*"] });
});

it("says which gateway it cannot reach, and why, instead of fetch's bare 'fetch failed'", async () => {
  fetchMock.mockRejectedValueOnce(new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4000"), { code: "ECONNREFUSED" }) }));
  expect(await create()).toBe(1);
  expect(stderr).toContain("cannot reach a gateway at http://gateway.test (ECONNREFUSED): check --url or SWITCHYARD_URL");
});

it("says what answered when the URL is no gateway (an HTML page), instead of a JSON parse error", async () => {
  fetchMock.mockResolvedValueOnce(new Response("<html>login</html>", { status: 502, headers: { "content-type": "text/html" } }));
  expect(await create()).toBe(1);
  expect(stderr).toContain("http://gateway.test answered HTTP 502");
  fetchMock.mockResolvedValueOnce(new Response("<html>hello</html>", { status: 200, headers: { "content-type": "text/html" } }));
  stderr = "";
  vi.mocked(process.exit).mockClear();
  expect(await create()).toBe(1);
  expect(stderr).toContain("http://gateway.test answered HTTP 200 without JSON: is it a Switchyard gateway?");
});

it("names the flags the user typed, not the admin API's fields, in the gateway's refusal", async () => {
  const message = 'budget_period: expected one of "daily", "weekly", "monthly", "total"; expires_at: must be in the future';
  fetchMock.mockResolvedValueOnce(Response.json({ error: { message, type: "invalid_request_error", code: "invalid_key_request", param: "budget_period" } }, { status: 400 }));
  expect(await create("--budget", "5", "--period", "yearly", "--expires", "2020-01-01")).toBe(1);
  expect(stderr).toContain('--period: expected one of "daily", "weekly", "monthly", "total"; --expires: must be in the future');
});

it("says the master key is missing before calling a gateway with --url", async () => {
  vi.stubEnv("SWITCHYARD_MASTER_KEY", "");
  expect(await create()).toBe(1);
  expect(stderr).toContain("set SWITCHYARD_MASTER_KEY to the master key of the gateway at http://gateway.test");
  expect(fetchMock).not.toHaveBeenCalled();
});

it("keys list: an answer without a key list says so instead of a TypeError", async () => {
  fetchMock.mockResolvedValueOnce(Response.json({ status: "ok" }));
  await expect(main(["node", "switchyard", "keys", "list", "--url", "http://gateway.test"])).rejects.toBeInstanceOf(Exited);
  expect(stderr).toContain("the answer holds no key list: is --url a Switchyard gateway?");
});

it("works on the store directly while the state store (Redis) is down: keys live in storage.url", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "sy-keys-"));
  const config = join(dir, "switchyard.yaml");
  writeFileSync(config, `storage: { url: "sqlite://${join(dir, "sy.db")}" }\nstate: { url: "redis://127.0.0.1:1/0" }\n`);
  const printed: string[] = [];
  vi.mocked(console.log).mockImplementation((...parts) => void printed.push(parts.join(" ")));
  await main(["node", "switchyard", "keys", "create", "--config", config, "--name", "offline"]);
  await main(["node", "switchyard", "keys", "list", "--config", config]);
  expect(stderr).toBe("");
  expect(printed.join("\n")).toContain("offline");
});
