/**
 * `start --workers N` when workers fail: one that cannot start (port in use, a
 * secret that does not resolve) stops the gateway with exit 1 instead of being
 * restarted in a tight loop; one that crashes after serving is replaced after a
 * backoff. Runs the real CLI (dist/).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

function clusterConfig(extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "sy-cluster-fail-"));
  const file = join(dir, "switchyard.yaml");
  writeFileSync(file, `storage: { url: "sqlite://${join(dir, "sy.db")}" }\nproviders:\n  fake: { type: openai-compatible, base_url: "http://127.0.0.1:9/v1" }\n${extra}`);
  return file;
}

function startCluster(file: string, port: number) {
  const child = spawn(process.execPath, ["bin/switchyard.js", "start", "--config", file, "--port", String(port), "--workers", "2"], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (part: Buffer) => (log += part.toString()));
  const exited = new Promise<number | string | null>((done) => child.once("exit", (code, signal) => done(signal ?? code)));
  return { child, exited, log: () => log };
}

/** Resolves with the exit code, or "still running" after `ms`; a running cluster is then stopped. */
async function exitWithin(cluster: ReturnType<typeof startCluster>, ms: number) {
  const outcome = await Promise.race([cluster.exited, new Promise((done) => setTimeout(() => done("still running"), ms))]);
  if (outcome === "still running") {
    cluster.child.kill("SIGTERM");
    await cluster.exited;
  }
  return outcome;
}

it("exits 1 when workers cannot bind the port, without a restart loop", async () => {
  const busy: Server = createServer();
  await new Promise<void>((done) => busy.listen(0, "127.0.0.1", done));
  const port = (busy.address() as { port: number }).port;
  try {
    const cluster = startCluster(clusterConfig(), port);
    expect(await exitWithin(cluster, 8_000)).toBe(1);
    expect(cluster.log()).toContain("EADDRINUSE");
    expect(cluster.log().match(/EADDRINUSE/g)).toHaveLength(1);
    expect(cluster.log()).toContain("before it started listening");
  } finally {
    busy.close();
  }
});

it("exits 1 when a worker's secret does not resolve", async () => {
  const cluster = startCluster(clusterConfig('server: { master_key: "env:SWITCHYARD_TEST_UNSET_SECRET" }\n'), 0);
  expect(await exitWithin(cluster, 8_000)).toBe(1);
  expect(cluster.log(), cluster.log()).toContain("SWITCHYARD_TEST_UNSET_SECRET");
});

it("replaces a worker that crashed after serving, after a backoff", async () => {
  const cluster = startCluster(clusterConfig(), 0);
  const listening = () => (cluster.log().match(/listening on/g) ?? []).length;
  try {
    await expect.poll(listening, { timeout: 15_000 }).toBe(2);
    const [worker] = execFileSync("pgrep", ["-P", String(cluster.child.pid)], { encoding: "utf8" }).trim().split("\n");
    const crashedAt = Date.now();
    process.kill(Number(worker), "SIGKILL");
    await expect.poll(() => cluster.log().includes("starting another in 1000 ms"), { timeout: 5_000 }).toBe(true);
    await expect.poll(listening, { timeout: 15_000 }).toBe(3);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(1_000);
    expect(cluster.child.exitCode).toBeNull();
  } finally {
    cluster.child.kill("SIGTERM");
    expect(await cluster.exited).toBe(0);
  }
});
