/**
 * The process's own figures under the names prom-client's default metrics
 * use (CPU, memory, heap spaces, file descriptors, event-loop delay, garbage
 * collections), read at scrape time. prom-client's own collector is not
 * loaded: it requires @opentelemetry/api (see prom.ts).
 *
 * The event-loop monitor and the collection observer start at the first
 * scrape, so a gateway nobody scrapes pays nothing for them; the delay
 * figures cover the time since the previous scrape.
 */
import { readdirSync, readFileSync } from "node:fs";
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { DurationHistogram } from "./duration-histogram.js";
import { Counter, Gauge, type Aggregator, type Registry } from "./prom.js";

// prom-client's standard names (process_*, nodejs_*) under the gateway's prefix.
const PREFIX = "switchyard_";
/** The event-loop monitor's sampling interval (ms); each sample is the interval plus the delay. */
const LAG_RESOLUTION_MS = 10;
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};
/**
 * Delay figures: name, help, reading in ns, whether it is a point of the
 * distribution (which includes the interval), and how workers' figures combine.
 */
const LAG_STATS = [
  ["min", "The minimum recorded event loop delay.", (h: IntervalHistogram) => h.min, true, "min"],
  ["max", "The maximum recorded event loop delay.", (h: IntervalHistogram) => h.max, true, "max"],
  ["mean", "The mean of the recorded event loop delays.", (h: IntervalHistogram) => h.mean, true, "average"],
  ["stddev", "The standard deviation of the recorded event loop delays.", (h: IntervalHistogram) => h.stddev, false, "average"],
  ["p50", "The 50th percentile of the recorded event loop delays.", (h: IntervalHistogram) => h.percentile(50), true, "average"],
  ["p90", "The 90th percentile of the recorded event loop delays.", (h: IntervalHistogram) => h.percentile(90), true, "average"],
  ["p99", "The 99th percentile of the recorded event loop delays.", (h: IntervalHistogram) => h.percentile(99), true, "average"],
] as const;

/** Linux's /proc/self/status sizes in bytes (VmRSS, VmSize, VmData); empty elsewhere. */
export function procStatus(text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const match of text.matchAll(/^(Vm\w+):\s+(\d+) kB$/gm)) sizes.set(match[1]!, Number(match[2]) * 1024);
  return sizes;
}

/** The soft "Max open files" limit from Linux's /proc/self/limits; undefined when absent or unlimited. */
export function maxOpenFiles(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+)/m.exec(limits);
  return match ? Number(match[1]) : undefined;
}

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * `read` at most once per scrape, so the figures of one scrape come from one
 * reading: the registry calls every metric's collect in one synchronous pass,
 * and the value is dropped in the microtask after it.
 */
function perScrape<T>(read: () => T): () => T {
  let value: T;
  let fresh = false;
  return () => {
    if (!fresh) {
      value = read();
      fresh = true;
      queueMicrotask(() => (fresh = false));
    }
    return value;
  };
}

/**
 * `aggregator`: how cluster workers' values combine into one scrape
 * (cli/cluster-metrics.ts). Sizes, counts and totals add up (the default);
 * figures that hold for one process only (start time, loop delays, version)
 * say which to keep, as prom-client's own default metrics do.
 */
function gauge(registry: Registry, name: string, help: string, collect: (this: InstanceType<typeof Gauge>) => void | Promise<void>, options: { labelNames?: string[]; aggregator?: Aggregator } = {}) {
  new Gauge({ name: PREFIX + name, help, labelNames: options.labelNames ?? [], aggregator: options.aggregator ?? "sum", registers: [registry], collect });
}

function counter(registry: Registry, name: string, help: string, read: () => number) {
  new Counter({
    name: PREFIX + name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

export class ProcessMetrics {
  private lag: IntervalHistogram | undefined;
  private gcObserver: PerformanceObserver | undefined;
  private readonly gc: DurationHistogram;

  constructor(registry: Registry) {
    const cpu = perScrape(() => process.cpuUsage());
    counter(registry, "process_cpu_user_seconds_total", "Total user CPU time spent in seconds.", () => cpu().user / 1e6);
    counter(registry, "process_cpu_system_seconds_total", "Total system CPU time spent in seconds.", () => cpu().system / 1e6);
    counter(registry, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", () => {
      const { user, system } = cpu();
      return (user + system) / 1e6;
    });
    const started = Math.round(Date.now() / 1000 - process.uptime());
    // Across workers, the latest start: it moves when a worker is replaced, which is when the summed counters drop.
    gauge(registry, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", function () {
      this.set(started);
    }, { aggregator: "max" });
    gauge(registry, "process_resident_memory_bytes", "Resident memory size in bytes.", function () {
      this.set(process.memoryUsage.rss());
    });
    // Only Linux has /proc; elsewhere these are left out rather than reported as 0.
    if (process.platform === "linux") this.linuxMetrics(registry);
    this.eventLoopMetrics(registry);
    const resources = perScrape(() => process.getActiveResourcesInfo());
    gauge(registry, "nodejs_active_resources", "Number of active resources that are currently keeping the event loop alive, grouped by async resource type.", function () {
      this.reset();
      const counts = new Map<string, number>();
      for (const type of resources()) counts.set(type, (counts.get(type) ?? 0) + 1);
      for (const [type, count] of counts) this.set({ type }, count);
    }, { labelNames: ["type"] });
    gauge(registry, "nodejs_active_resources_total", "Total number of active resources.", function () {
      this.set(resources().length);
    });
    this.heapMetrics(registry);
    const [major, minor, patch] = process.versions.node.split(".");
    gauge(registry, "nodejs_version_info", "Node.js version info.", function () {
      this.set({ version: process.version, major, minor, patch }, 1);
    }, { labelNames: ["version", "major", "minor", "patch"], aggregator: "first" });
    this.gc = new DurationHistogram(`${PREFIX}nodejs_gc_duration_seconds`, "Garbage collection duration by kind, one of major, minor, incremental or weakcb.", GC_BUCKETS, registry, "kind");
  }

  private linuxMetrics(registry: Registry): void {
    const status = perScrape(() => procStatus(readProc("/proc/self/status") ?? ""));
    for (const [name, help, field] of [
      ["process_virtual_memory_bytes", "Virtual memory size in bytes.", "VmSize"],
      ["process_heap_bytes", "Process heap size in bytes.", "VmData"],
    ] as const) {
      gauge(registry, name, help, function () {
        const bytes = status().get(field);
        if (bytes !== undefined) this.set(bytes);
      });
    }
    gauge(registry, "process_open_fds", "Number of open file descriptors.", function () {
      try {
        this.set(readdirSync("/proc/self/fd").length - 1); // less the descriptor reading the directory
      } catch {
        // /proc not mounted (some sandboxes): no figure, and the scrape goes on
      }
    });
    // Summed across workers like the open descriptors, so their ratio stays the group's use of its limits.
    gauge(registry, "process_max_fds", "Maximum number of open file descriptors.", function () {
      const max = maxOpenFiles(readProc("/proc/self/limits") ?? "");
      if (max !== undefined) this.set(max);
    });
  }

  private eventLoopMetrics(registry: Registry): void {
    const self = this;
    gauge(registry, "nodejs_eventloop_lag_seconds", "Lag of event loop in seconds.", async function () {
      self.startObservers();
      const start = process.hrtime.bigint();
      await new Promise((resolve) => setImmediate(resolve));
      this.set(Number(process.hrtime.bigint() - start) / 1e9);
    }, { aggregator: "average" });
    for (const [stat, help, read, point, aggregator] of LAG_STATS) {
      gauge(registry, `nodejs_eventloop_lag_${stat}_seconds`, help, function () {
        const histogram = self.startObservers();
        // An empty histogram reports min as 2^63 and mean as NaN: 0 until it has a sample.
        this.reset();
        // Each sample spans the sampling interval plus the delay: the interval is taken off.
        if (histogram.count > 0) this.set(Math.max(0, read(histogram) / 1e6 - (point ? LAG_RESOLUTION_MS : 0)) / 1e3);
      }, { aggregator });
    }
    // Registered last of the lag figures: the registry collects in order, so the next scrape starts afresh.
    gauge(registry, "nodejs_eventloop_lag_samples", "Event loop delay samples behind the figures above (since the previous scrape).", function () {
      const histogram = self.startObservers();
      this.set(histogram.count);
      histogram.reset();
    });
  }

  private heapMetrics(registry: Registry): void {
    const memory = perScrape(() => process.memoryUsage());
    const spaces = perScrape(() => getHeapSpaceStatistics());
    for (const [name, help, field] of [
      ["nodejs_heap_size_total_bytes", "Process heap size from Node.js in bytes.", "heapTotal"],
      ["nodejs_heap_size_used_bytes", "Process heap size used from Node.js in bytes.", "heapUsed"],
      ["nodejs_external_memory_bytes", "Node.js external memory size in bytes.", "external"],
    ] as const) {
      gauge(registry, name, help, function () {
        this.set(memory()[field]);
      });
    }
    for (const [what, field] of [
      ["total", "space_size"],
      ["used", "space_used_size"],
      ["available", "space_available_size"],
    ] as const) {
      gauge(registry, `nodejs_heap_space_size_${what}_bytes`, `Process heap space size ${what} from Node.js in bytes.`, function () {
        for (const space of spaces()) this.set({ space: space.space_name.replace(/_space$/, "") }, space[field]);
      }, { labelNames: ["space"] });
    }
  }

  /** Starts the event-loop monitor and the collection observer once; returns the monitor. */
  private startObservers(): IntervalHistogram {
    if (this.lag) return this.lag;
    this.lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    this.lag.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1];
        if (kind) this.gc.observe(kind, entry.duration / 1000);
      }
    });
    this.gcObserver.observe({ entryTypes: ["gc"] });
    return this.lag;
  }

  close(): void {
    this.lag?.disable();
    this.gcObserver?.disconnect();
  }
}
