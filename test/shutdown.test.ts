/**
 * SIGTERM drains in-flight requests and flushes the ledger: every request that
 * got an answer has its row after the process exits; keep-alive clients do not
 * hold the drain open; requests cut off at `server.shutdown_grace_ms` get 499
 * rows; with the store down, the rows are saved to a file. An idle gateway gives
 * its heap back and still shuts down cleanly. Runs the real CLI (dist/).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it, onTestFinished } from "vitest";
import { echoHandler, startFakeUpstream, type FakeHandler, type FakeUpstream } from "./helpers/fake-upstream.js";

const Database = createRequire(import.meta.url)("better-sqlite3") as new (file: string, options?: object) => {
  prepare(sql: string): { get(): { n: number } };
  exec(sql: string): void;
  close(): void;
};
const BIN = resolve("bin/switchyard.js");

let upstream: FakeUpstream;
/** Gateways still running when a test ends (it failed): killed so they do not outlive the run. */
const running = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
});

/** `switchyard start` with this config on a free port; resolves once it listens. */
async function startCli(config: string, cwd?: string) {
  const child = spawn(process.execPath, [BIN, "start", "--config", config, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"], cwd });
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (part: Buffer) => {
      log += part.toString();
      const match = /listening on (http:\/\/[\d.:]+)/.exec(log);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`gateway exited early (${code}): ${log}`)));
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve)).finally(() => running.delete(child));
  return { child, url, exited, log: () => log };
}
/** Answers after 300 ms, or never when the last message says "hang". */
const slowOrHanging: FakeHandler = (request, res) => {
  const messages = request.body?.messages as Array<{ content: string }> | undefined;
  if (messages?.at(-1)?.content === "hang") return;
  setTimeout(() => echoHandler(request, res), 300);
};
beforeAll(async () => {
  upstream = await startFakeUpstream(slowOrHanging);
});
afterAll(() => upstream.close());

it("drains in-flight requests on SIGTERM and writes every row", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-shutdown-"));
  const db = join(dir, "ledger.db");
  const config = join(dir, "switchyard.yaml");
  writeFileSync(config, `storage: { url: "sqlite://${db}" }\nproviders:\n  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
  const { child, url, exited } = await startCli(config);

  const pending = Promise.all(
    Array.from({ length: 25 }, async (_, i) => {
      try {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "fake/m", messages: [{ role: "user", content: `n${i}` }] }),
        });
        return response.status;
      } catch {
        return 0; // refused: arrived after the listener closed
      }
    }),
  );
  // Terminate while requests are in flight upstream (each takes 300 ms there).
  await expect.poll(() => upstream.requests.length, { timeout: 5000, interval: 5 }).toBe(25);
  child.kill("SIGTERM");
  const results = await pending;
  expect(await exited).toBe(0);
  expect(results.every((status) => status === 200)).toBe(true);
  const answered = results.filter((status) => status === 200).length;
  expect(answered).toBeGreaterThan(0);
  const ledger = new Database(db, { readonly: true });
  try {
    expect(ledger.prepare("SELECT COUNT(*) AS n FROM ledger").get().n).toBe(answered);
  } finally {
    ledger.close();
  }
});

const chat = (url: string, content: string, agent?: Agent) =>
  new Promise<{ status: number; connection?: string }>((done) => {
    const req = httpRequest(`${url}/v1/chat/completions`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => done({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      res.on("error", () => done({ status: 0 }));
    });
    req.on("error", () => done({ status: 0 })); // refused or reset: sent after the drain began
    req.end(JSON.stringify({ model: "fake/m", messages: [{ role: "user", content }] }));
  });

const ledgerRows = (db: string, where = "1") => {
  const ledger = new Database(db, { readonly: true });
  try {
    return ledger.prepare(`SELECT COUNT(*) AS n FROM ledger WHERE ${where}`).get().n;
  } finally {
    ledger.close();
  }
};

it("keep-alive clients sending request after request do not hold the drain open", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-keepalive-"));
  const db = join(dir, "ledger.db");
  const config = join(dir, "switchyard.yaml");
  writeFileSync(config, `server: { shutdown_grace_ms: 8000 }\nstorage: { url: "sqlite://${db}" }\nproviders:\n  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
  const { child, url, exited, log } = await startCli(config);
  const agent = new Agent({ keepAlive: true, maxSockets: 10 });
  const results: Array<{ status: number; connection?: string }> = [];
  let stop = false;
  onTestFinished(() => {
    stop = true;
  });
  const clients = Array.from({ length: 10 }, async (_, i) => {
    await new Promise((done) => setTimeout(done, i * 30)); // out of step: the gateway is never idle
    while (!stop) {
      const result = await chat(url, "again", agent);
      results.push(result);
      if (result.status === 0) return;
    }
  });
  await expect.poll(() => results.length, { timeout: 5000, interval: 10 }).toBeGreaterThan(20);
  const sentAt = performance.now();
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  // In-flight requests take 300 ms: the drain ends with them, not at the 8 s grace.
  expect(performance.now() - sentAt).toBeLessThan(5_000);
  await Promise.all(clients);
  agent.destroy();
  const answered = results.filter((r) => r.status === 200).length;
  expect(results.filter((r) => r.status !== 0 && r.status !== 200)).toEqual([]);
  expect(results.some((r) => r.connection === "close")).toBe(true);
  expect(ledgerRows(db)).toBe(answered);
  expect(log()).not.toContain("ledger rows dropped");
});

it("requests still running at server.shutdown_grace_ms are answered 503 shutting_down, with their rows before the ledger closes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-grace-"));
  const db = join(dir, "ledger.db");
  const config = join(dir, "switchyard.yaml");
  writeFileSync(config, `server: { shutdown_grace_ms: 300 }\nstorage: { url: "sqlite://${db}" }\nproviders:\n  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
  const { child, url, exited, log } = await startCli(config);
  const hanging = () => upstream.requests.filter((r) => (r.body?.messages as Array<{ content: string }> | undefined)?.at(-1)?.content === "hang").length;
  const before = hanging();
  const pending = Promise.all(Array.from({ length: 10 }, () => chat(url, "hang")));
  await expect.poll(() => hanging() - before, { timeout: 5000, interval: 5 }).toBe(10);
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect((await pending).map((r) => r.status)).toEqual(Array(10).fill(503));
  expect(ledgerRows(db, "status = 503")).toBe(10);
  expect(ledgerRows(db)).toBe(10);
  expect(log()).not.toContain("ledger rows dropped");
});

it("with the ledger store down at SIGTERM, its rows are saved to a file in the working directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-outage-"));
  const db = join(dir, "ledger.db");
  const config = join(dir, "switchyard.yaml");
  writeFileSync(config, `storage: { url: "sqlite://${db}" }\nproviders:\n  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
  const { child, url, exited, log } = await startCli(config, dir);
  // The outage: every ledger insert now fails.
  const outside = new Database(db);
  outside.exec("ALTER TABLE ledger RENAME TO ledger_away");
  outside.close();
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => chat(url, `n${i}`)));
  expect(results.every((r) => r.status === 200)).toBe(true);
  await expect.poll(() => log().includes("ledger write failed"), { timeout: 5000, interval: 20 }).toBe(true);
  child.kill("SIGTERM");
  // Not a clean shutdown: a supervisor or script must be able to tell.
  expect(await exited).toBe(1);
  const files = readdirSync(dir).filter((name) => name.startsWith("switchyard-unsaved-ledger-"));
  expect(files).toHaveLength(1);
  const saved = join(dir, files[0]!);
  const rows = readFileSync(saved, "utf8").trimEnd().split("\n").map((line) => JSON.parse(line) as { id: string; status: number });
  expect(new Set(rows.map((row) => row.id)).size).toBe(40);
  expect(rows.every((row) => row.status === 200)).toBe(true);
  expect(log()).toContain(saved);
  expect(log()).not.toContain("ledger rows dropped");
  expect(log()).toContain("exiting with code 1");

  // The store is back: `switchyard ledger import` loads the file; a second import adds nothing.
  const back = new Database(db);
  back.exec("ALTER TABLE ledger_away RENAME TO ledger");
  back.close();
  for (const said of ["40 of 40 rows imported\n", "0 of 40 rows imported (40 were in the ledger already)"]) {
    const imported = spawnSync(process.execPath, [BIN, "ledger", "import", saved, "--config", config], { encoding: "utf8" });
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(said);
    expect(ledgerRows(db)).toBe(40);
    expect(ledgerRows(db, "status = 200")).toBe(40);
  }
}, 30_000);

it("gives the heap back once idle, keeps serving, and still exits on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-idle-"));
  const config = join(dir, "switchyard.yaml");
  writeFileSync(config, `server: { idle_trim_ms: 1000 }\nstorage: { url: "memory://" }\nlog: { level: debug }\nproviders:\n  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
  const { child, url, exited, log } = await startCli(config);
  try {
    await expect.poll(() => /idle: heap trimmed in \d+ ms, RSS \d+ → \d+ MB/.test(log()), { timeout: 10_000, interval: 100 }).toBe(true);
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "fake/m", messages: [{ role: "user", content: "after the trim" }] }),
    });
    expect(response.status).toBe(200);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
});
