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
