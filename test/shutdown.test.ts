/**
 * SIGTERM drains in-flight requests and flushes the ledger: every request that
 * got an answer has its row after the process exits. An idle gateway gives its
 * heap back and still shuts down cleanly. Runs the real CLI (dist/).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { echoHandler, startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

const Database = createRequire(import.meta.url)("better-sqlite3") as new (file: string, options?: object) => { prepare(sql: string): { get(): { n: number } }; close(): void };

let upstream: FakeUpstream;

/** `switchyard start` with this config on a free port; resolves once it listens. */
async function startCli(config: string) {
  const child = spawn(process.execPath, ["bin/switchyard.js", "start", "--config", config, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (part: Buffer) => {
      log += part.toString();
      const match = /listening on (http:\/\/[\d.:]+)/.exec(log);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`gateway exited early (${code}): ${log}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, url, exited, log: () => log };
}
beforeAll(async () => {
  upstream = await startFakeUpstream((request, res) => void setTimeout(() => echoHandler(request, res), 300));
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
