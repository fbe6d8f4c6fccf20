/**
 * `switchyard start` keeps reloading when the config file is replaced (atomic
 * saves, `sed -i`, ConfigMap swaps put a new inode at the path), and SIGHUP
 * never kills it: not with a config file of any name, not on environment
 * defaults. Runs the real CLI (dist/).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

const CLI = resolve("bin/switchyard.js");

let a: FakeUpstream;
let b: FakeUpstream;
beforeAll(async () => {
  [a, b] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
});
afterAll(() => Promise.all([a.close(), b.close()]));

/** `switchyard start` on a free port; resolves once it listens. */
async function startCli(args: string[], cwd = process.cwd()) {
  const child = spawn(process.execPath, [CLI, "start", "--port", "0", ...args], { cwd, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, SWITCHYARD_MASTER_KEY: "" } });
  let log = "";
  child.stderr.on("data", (part: Buffer) => (log += part.toString()));
  const exited = new Promise<number | string | null>((done) => child.once("exit", (code, signal) => done(signal ?? code)));
  const url = await Promise.race([
    (async () => {
      await expect.poll(() => /listening on (http:\/\/[\d.:]+)/.exec(log), { timeout: 10_000 }).toBeTruthy();
      return /listening on (http:\/\/[\d.:]+)/.exec(log)![1]!;
    })(),
    exited.then((how) => Promise.reject(new Error(`gateway exited early (${how}): ${log}`))),
  ]);
  return { child, url, exited, log: () => log };
}

const config = (target: "a" | "b") =>
  `storage: { url: "memory://" }\nproviders:\n  a: { type: openai-compatible, base_url: "${a.baseUrl}" }\n  b: { type: openai-compatible, base_url: "${b.baseUrl}" }\nmodels:\n  smart: { deployments: [{ provider: ${target}, model: m }] }\n`;

it("reloads on every replacement of the file, not only the first", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-replace-"));
  const file = join(dir, "switchyard.yaml");
  writeFileSync(file, config("a"));
  const { child, url } = await startCli(["--config", file]);
  const provider = async () =>
    (await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "smart", messages: [{ role: "user", content: "hi" }] }) })).headers.get("x-switchyard-provider");
  try {
    expect(await provider()).toBe("a");
    for (const target of ["b", "a", "b", "a"] as const) {
      // What `sed -i` and editors' atomic saves do: write a new file beside it, rename it over.
      writeFileSync(`${file}.tmp`, config(target));
      renameSync(`${file}.tmp`, file);
      await expect.poll(provider, { timeout: 5_000, interval: 100 }).toBe(target);
    }
  } finally {
    child.kill("SIGTERM");
  }
});

it("reloads a config file on SIGHUP whatever its name", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-hup-json-"));
  const file = join(dir, "gw.json");
  writeFileSync(file, JSON.stringify({ storage: { url: "memory://" }, providers: { a: { type: "openai-compatible", base_url: a.baseUrl } } }));
  const { child, exited, log } = await startCli(["--config", file]);
  child.kill("SIGHUP");
  await expect.poll(() => log().includes("config reloaded (SIGHUP)"), { timeout: 5_000 }).toBe(true);
  expect([child.exitCode, child.signalCode]).toEqual([null, null]);
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
});

it("survives SIGHUP on environment defaults and still drains on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-hup-env-"));
  const { child, exited, log } = await startCli([], dir);
  child.kill("SIGHUP");
  await expect.poll(() => log().includes("SIGHUP: no config file to reload"), { timeout: 5_000 }).toBe(true);
  expect([child.exitCode, child.signalCode]).toEqual([null, null]);
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(log()).toContain("SIGTERM: draining");
});

it("says a reload that changes the address waits for a restart, and keeps listening where it was", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-hup-address-"));
  const file = join(dir, "switchyard.yaml");
  writeFileSync(file, `server: { port: 4999 }\nstorage: { url: "memory://" }\n`);
  const { child, url, exited, log } = await startCli(["--config", file]);
  writeFileSync(file, `server: { port: 4999, max_body_bytes: 5000 }\nstorage: { url: "memory://" }\n`);
  child.kill("SIGHUP");
  await expect.poll(() => log().includes("config reloaded (SIGHUP)"), { timeout: 5_000 }).toBe(true);
  expect(log()).not.toContain("server.port");
  writeFileSync(file, `server: { port: 4998, host: "0.0.0.0" }\nstorage: { url: "memory://" }\n`);
  child.kill("SIGHUP");
  await expect.poll(() => log().includes(`server.host, server.port changes apply after a restart; still listening on ${url} (and --port given at start win over the file)`), { timeout: 5_000 }).toBe(true);
  expect((await fetch(`${url}/health`)).status).toBe(200);
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
});

it("records a config file that is rejected on reload in the audit log, and keeps serving", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-hup-rejected-"));
  const file = join(dir, "switchyard.yaml");
  writeFileSync(file, config("a"));
  const { child, url, exited, log } = await startCli(["--config", file]);
  const rejected = async () => {
    const audit = (await (await fetch(`${url}/admin/audit?action=config.rejected`)).json()) as { data: Array<{ reason: string }> };
    return audit.data.map((event) => event.reason);
  };
  try {
    // An unknown setting, then YAML that does not parse: each one event, newest first.
    const files = [[`${config("a")}colour: blue\n`, "unknown key 'colour'"], ["providers: [\n", "line "]] as const;
    for (const [index, [text]] of files.entries()) {
      writeFileSync(file, text);
      child.kill("SIGHUP");
      await expect.poll(async () => (await rejected()).length, { timeout: 5_000 }).toBe(index + 1);
    }
    const reasons = await rejected();
    expect(reasons[1]).toContain(files[0][1]);
    expect(reasons[0]).toContain(files[1][1]);
    expect(log()).toContain("config reload rejected, still serving the previous config");
    expect((await fetch(`${url}/health`)).status).toBe(200);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
});
