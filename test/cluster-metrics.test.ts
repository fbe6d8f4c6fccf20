/**
 * `start --workers 2`: a scrape answers for every worker, whichever worker
 * takes it, so successive scrapes agree (before, each told one worker's
 * counters and Prometheus read the jumps as resets).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "./helpers/fake-upstream.js";

const PORT = 5541;
const MASTER = { authorization: "Bearer sy-master-cluster-metrics-0" };

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());

/** One request on a fresh connection, so the cluster spreads them across workers. */
function call(path: string, method = "GET", body?: unknown): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`http://127.0.0.1:${PORT}${path}`, { method, agent: false, headers: { "content-type": "application/json", ...MASTER } }, (res) => {
      let text = "";
      res.on("data", (part) => (text += part));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The sum of a metric's samples in an exposition text. */
function total(text: string, name: string): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))) sum += Number(match[1]);
  return sum;
}

it("serves every worker's metrics from any worker", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-cluster-metrics-"));
  const file = join(dir, "switchyard.yaml");
  writeFileSync(file, `server: { master_key: "${MASTER.authorization.slice(7)}" }\nstorage: { url: "sqlite://${join(dir, "sy.db")}" }\nproviders:\n  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
  const child = spawn(process.execPath, ["bin/switchyard.js", "start", "--config", file, "--port", String(PORT), "--workers", "2"], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (part: Buffer) => (log += part.toString()));
  try {
    await expect.poll(() => (log.match(/listening on/g) ?? []).length, { timeout: 15_000 }).toBe(2);
    const sent = 24;
    for (let i = 0; i < sent; i++) {
      expect((await call("/v1/chat/completions", "POST", { model: "fake/m", messages: [{ role: "user", content: "hi" }] })).status).toBe(200);
    }
    // Both workers served: their upstream connections come from different ports.
    expect(new Set(upstream.requests.map((r) => r.remotePort)).size).toBeGreaterThanOrEqual(2);

    const scrapes = await Promise.all(Array.from({ length: 3 }, () => call("/metrics")));
    for (let i = 0; i < 5; i++) scrapes.push(await call("/metrics"));
    for (const scrape of scrapes) {
      expect(scrape.status).toBe(200);
      expect(scrape.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(total(scrape.text, "switchyard_requests_total")).toBe(sent);
      expect(total(scrape.text, "switchyard_metrics_workers_missing")).toBe(0);
      // A figure of one process is not added up: one start time, one version line.
      expect(scrape.text.match(/^switchyard_process_start_time_seconds \d+$/gm)).toHaveLength(1);
      expect(total(scrape.text, "switchyard_nodejs_version_info")).toBe(1);
    }
    // Memory counts the primary's too (it holds the shared key state), not the workers' alone.
    const rss = (pid: number) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
    if (existsSync(`/proc/${child.pid}/task/${child.pid}/children`)) {
      const workers = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/).map(Number);
      expect(workers).toHaveLength(2);
      const scraped = total((await call("/metrics")).text, "switchyard_process_resident_memory_bytes");
      const processes = rss(child.pid!) + workers.reduce((sum, pid) => sum + rss(pid), 0);
      expect(scraped / processes).toBeGreaterThan(0.85);
      expect(scraped / processes).toBeLessThan(1.15);
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}, 30_000);
