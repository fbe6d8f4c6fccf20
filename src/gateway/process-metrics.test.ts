import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { maxOpenFiles, procStatus, ProcessMetrics } from "./process-metrics.js";
import { Registry } from "./prom.js";

/** One sample's value from Prometheus text; undefined when the line is absent. */
function sample(text: string, line: string): number | undefined {
  const at = text.split("\n").find((l) => l.startsWith(`${line} `));
  return at === undefined ? undefined : Number(at.slice(line.length + 1));
}

const P = "switchyard_";

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: the event loop is held
  }
}

/** Runs `test` against a fresh registry with process metrics, stopping their observers afterwards. */
async function withProcessMetrics(test: (registry: Registry) => Promise<void>): Promise<void> {
  const registry = new Registry();
  const metrics = new ProcessMetrics(registry);
  try {
    await test(registry);
  } finally {
    metrics.close();
  }
}

describe("ProcessMetrics", () => {
  it("reports the process's CPU, memory, start time and version under prom-client's default names", () =>
    withProcessMetrics(async (registry) => {
      const text = await registry.metrics();
      const cpu = sample(text, `${P}process_cpu_seconds_total`)!;
      expect(cpu).toBeGreaterThan(0);
      expect(cpu).toBeCloseTo(sample(text, `${P}process_cpu_user_seconds_total`)! + sample(text, `${P}process_cpu_system_seconds_total`)!, 2);
      const rss = sample(text, `${P}process_resident_memory_bytes`)!;
      expect(rss).toBeGreaterThan(10 * 2 ** 20);
      expect(Math.abs(rss - process.memoryUsage.rss())).toBeLessThan(64 * 2 ** 20);
      expect(sample(text, `${P}process_start_time_seconds`)).toBeCloseTo(Date.now() / 1000 - process.uptime(), -1);
      expect(sample(text, `${P}nodejs_heap_size_used_bytes`)).toBeGreaterThan(0);
      expect(sample(text, `${P}nodejs_heap_space_size_used_bytes{space="old"}`)).toBeGreaterThan(0);
      expect(sample(text, `${P}nodejs_active_resources_total`)).toBeGreaterThanOrEqual(0);
      const [major, minor, patch] = process.versions.node.split(".");
      expect(sample(text, `${P}nodejs_version_info{version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"}`)).toBe(1);
      if (process.platform === "linux") {
        expect(sample(text, `${P}process_open_fds`)).toBeGreaterThan(2);
        expect(sample(text, `${P}process_max_fds`)).toBeGreaterThan(0);
        expect(sample(text, `${P}process_virtual_memory_bytes`)).toBeGreaterThan(rss);
      }
      for (const line of text.split("\n")) if (line && !line.startsWith("#")) expect(line).not.toMatch(/ (NaN|Nan|-?Inf)$/);
    }));

  it("reads each source once a scrape, so its figures agree, and afresh the next scrape", () =>
    withProcessMetrics(async (registry) => {
      const cpuUsage = vi.spyOn(process, "cpuUsage");
      try {
        const text = await registry.metrics();
        expect(cpuUsage).toHaveBeenCalledTimes(1);
        const total = sample(text, `${P}process_cpu_seconds_total`)!;
        expect(total).toBeCloseTo(sample(text, `${P}process_cpu_user_seconds_total`)! + sample(text, `${P}process_cpu_system_seconds_total`)!, 9);
        await registry.metrics();
        expect(cpuUsage).toHaveBeenCalledTimes(2);
      } finally {
        cpuUsage.mockRestore();
      }
    }));

  it("reports event-loop delay since the previous scrape, less the sampling interval", () =>
    withProcessMetrics(async (registry) => {
      const first = await registry.metrics(); // starts the monitor: nothing recorded yet
      expect(sample(first, `${P}nodejs_eventloop_lag_samples`)).toBe(0);
      expect(sample(first, `${P}nodejs_eventloop_lag_max_seconds`)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 60));
      blockFor(120);
      await new Promise((resolve) => setTimeout(resolve, 60));
      const second = await registry.metrics();
      expect(sample(second, `${P}nodejs_eventloop_lag_samples`)).toBeGreaterThan(0);
      expect(sample(second, `${P}nodejs_eventloop_lag_max_seconds`)).toBeGreaterThanOrEqual(0.1);
      expect(sample(second, `${P}nodejs_eventloop_lag_min_seconds`)).toBeLessThan(0.1);
      const third = await registry.metrics();
      // The block was before the last scrape: it is not counted again (a few samples at most arrive in between).
      expect(sample(third, `${P}nodejs_eventloop_lag_samples`)).toBeLessThan(sample(second, `${P}nodejs_eventloop_lag_samples`)!);
      if (sample(third, `${P}nodejs_eventloop_lag_samples`) === 0) expect(sample(third, `${P}nodejs_eventloop_lag_max_seconds`)).toBe(0);
    }));

  it("counts garbage collections by kind once scraped", () =>
    withProcessMetrics(async (registry) => {
      await registry.metrics();
      let keep: unknown[] = [];
      for (let round = 0; round < 40; round++) keep = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}` }));
      expect(keep.length).toBe(20_000);
      await new Promise((resolve) => setTimeout(resolve, 20)); // observers report on a later turn
      const text = await registry.metrics();
      expect(sample(text, `${P}nodejs_gc_duration_seconds_count{kind="minor"}`)).toBeGreaterThan(0);
      expect(sample(text, `${P}nodejs_gc_duration_seconds_bucket{le="+Inf",kind="minor"}`)).toBe(sample(text, `${P}nodejs_gc_duration_seconds_count{kind="minor"}`));
    }));

  it("reads Linux's /proc figures", () => {
    const sizes = procStatus("Name:\tnode\nVmSize:\t 1053952 kB\nVmRSS:\t   65068 kB\nVmData:\t  97560 kB\nThreads:\t7\n");
    expect(sizes.get("VmRSS")).toBe(65068 * 1024);
    expect(sizes.get("VmSize")).toBe(1053952 * 1024);
    expect(sizes.get("VmData")).toBe(97560 * 1024);
    expect(procStatus("").size).toBe(0);
    const limits = "Limit                     Soft Limit           Hard Limit           Units\nMax processes             unlimited            unlimited            processes\nMax open files            20000                1048576              files\n";
    expect(maxOpenFiles(limits)).toBe(20000);
    expect(maxOpenFiles(limits.replace("20000 ", "unlimited"))).toBeUndefined();
  });

  it("does not load @opentelemetry/api (prom-client's own process metrics require it)", () => {
    const metricsModule = fileURLToPath(new URL("../../dist/gateway/metrics.js", import.meta.url));
    const loaded = execFileSync(process.execPath, ["--input-type=module", "-e", `
      import { createRequire } from "node:module";
      const { Metrics } = await import(${JSON.stringify(metricsModule)});
      const metrics = new Metrics({ ledger: () => ({ queued: 0, written: 0, failedWrites: 0, dropped: 0 }), inFlight: () => [] });
      await metrics.render();
      metrics.close();
      console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
    `], { encoding: "utf8" });
    const files: string[] = JSON.parse(loaded);
    expect(files.some((file) => file.includes("prom-client"))).toBe(true);
    expect(files.filter((file) => file.includes("@opentelemetry"))).toEqual([]);
  });
});
