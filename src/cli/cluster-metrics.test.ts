import { EventEmitter } from "node:events";
import { expect, it } from "vitest";
import { Counter, Gauge, Registry } from "../gateway/prom.js";
import type { Channel } from "../state/ipc-state.js";
import { MetricsCollector, WorkerScrapeScope } from "./cluster-metrics.js";

/** Both ends of an IPC channel: messages arrive later, as JSON, like node:cluster's. */
function channelPair(): [Channel & { sent: unknown[] }, Channel] {
  const left = new EventEmitter();
  const right = new EventEmitter();
  const end = (self: EventEmitter, other: EventEmitter) =>
    Object.assign(self, {
      sent: [] as unknown[],
      send(message: unknown, callback: (error: Error | null) => void) {
        (self as EventEmitter & { sent: unknown[] }).sent.push(message);
        setImmediate(() => other.emit("message", JSON.parse(JSON.stringify(message))));
        callback(null);
        return true;
      },
    });
  return [end(left, right), end(right, left)];
}

/** A worker with a registry holding `requests` finished requests and a start time. */
function worker(requests: number, started: number) {
  const [toWorker, toPrimary] = channelPair();
  const registry = new Registry();
  new Counter({ name: "requests_total", help: "h", registers: [registry] }).inc(requests);
  new Gauge({ name: "start_time_seconds", help: "h", registers: [registry], aggregator: "max" }).set(started);
  const scope = new WorkerScrapeScope(toPrimary);
  scope.add(registry);
  return { channel: toWorker, scope };
}

it("answers a scrape on any worker with every worker's figures combined", async () => {
  const a = worker(3, 100);
  const b = worker(4, 200);
  const collector = new MetricsCollector(() => [a.channel, b.channel]);
  collector.serve(a.channel);
  collector.serve(b.channel);
  for (const scrape of [a.scope.render(), b.scope.render()]) {
    const text = await scrape;
    expect(text).toContain("requests_total 7");
    expect(text).toContain("start_time_seconds 200");
    expect(text).toContain("switchyard_metrics_workers_missing 0");
  }
});

it("leaves out a worker that does not answer in time, and counts it", async () => {
  const a = worker(3, 100);
  const [silent] = channelPair();
  const collector = new MetricsCollector(() => [a.channel, silent], 50);
  const started = Date.now();
  const text = await collector.collect();
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(text).toContain("requests_total 3");
  expect(text).toContain("switchyard_metrics_workers_missing 1");
});

it("runs one collection at a time: scrapes arriving meanwhile share it", async () => {
  const a = worker(3, 100);
  const collector = new MetricsCollector(() => [a.channel]);
  const texts = await Promise.all([collector.collect(), collector.collect(), collector.collect()]);
  expect(new Set(texts).size).toBe(1);
  expect(a.channel.sent).toHaveLength(1);
  await collector.collect();
  expect(a.channel.sent).toHaveLength(2);
});

it("fails a worker's scrape when the primary does not answer", async () => {
  const [, toPrimary] = channelPair();
  const scope = new WorkerScrapeScope(toPrimary, 20);
  await expect(scope.render()).rejects.toThrow(/did not answer/);
});

it("uses prom-client's aggregate without the listeners its cluster module can add", async () => {
  const { default: cluster } = await import("node:cluster");
  const before = [process.listenerCount("message"), cluster.listenerCount("message")];
  expect(await new MetricsCollector(() => []).collect()).toContain("switchyard_metrics_workers_missing 0");
  expect([process.listenerCount("message"), cluster.listenerCount("message")]).toEqual(before);
});

it("adds the primary's own figures to the workers'", async () => {
  const a = worker(3, 100);
  const own = new Registry();
  new Gauge({ name: "resident_memory_bytes", help: "h", registers: [own] }).set(50);
  const collector = new MetricsCollector(() => [a.channel], 1_000, () => own.getMetricsAsJSON());
  const text = await collector.collect();
  expect(text).toContain("requests_total 3");
  expect(text).toContain("resident_memory_bytes 50");
});
