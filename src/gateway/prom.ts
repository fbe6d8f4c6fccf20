/**
 * prom-client's Registry, Counter and Gauge, loaded from their own files. The
 * package's index also loads its default process metrics, which require
 * @opentelemetry/api: ≈ 7.5 MB of RSS before anything is served. Switchyard
 * reports those figures itself (process-metrics.ts).
 */
import { createRequire } from "node:module";
import type * as Prom from "prom-client";

const require = createRequire(import.meta.url);

export const Registry: typeof Prom.Registry = require("prom-client/lib/registry");
export const Counter: typeof Prom.Counter = require("prom-client/lib/counter");
export const Gauge: typeof Prom.Gauge = require("prom-client/lib/gauge");
export type Registry = Prom.Registry;
export type Metric = Prom.Metric;
/** How cluster workers' values of a metric combine into one scrape. */
export type Aggregator = Prom.Aggregator;
/** One metric as `registry.getMetricsAsJSON()` lists it: what a cluster worker sends its primary. */
export type MetricJson = Awaited<ReturnType<Prom.Registry["getMetricsAsJSON"]>>[number];

let aggregator: typeof Prom.AggregatorRegistry | undefined;

/**
 * Several registries' metrics as one registry, each metric combined by its
 * `aggregator` (sum unless the metric says otherwise). Only the static method
 * of prom-client's AggregatorRegistry is used: its constructor would add
 * listeners on node:cluster and on process that answer prom-client's own
 * messages, while loading the file adds none. Loaded on first use, so only a
 * cluster's primary pays for it.
 */
export function aggregate(registries: MetricJson[][]): Registry {
  aggregator ??= require("prom-client/lib/cluster") as typeof Prom.AggregatorRegistry;
  return aggregator.aggregate(registries);
}
