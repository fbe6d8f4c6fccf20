/**
 * Durations under one label (request durations per provider, collections per
 * kind) as a Prometheus histogram. The hot path adds to plain counters
 * (prom-client's observe() checks and hashes the labels on every call); the
 * registry reads them, cumulated, at scrape time.
 */
import type { Metric, Registry } from "./prom.js";

/** One rendered line, as prom-client's own histograms report them. */
interface HistogramLine {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

interface LabelCounts {
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  buckets: number[];
  sum: number;
  count: number;
}

export class DurationHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly byLabel = new Map<string, LabelCounts>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
    private readonly labelName = "provider",
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  observe(label: string, seconds: number): void {
    let counts = this.byLabel.get(label);
    if (!counts) this.byLabel.set(label, (counts = { buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 }));
    let slot = 0;
    while (slot < this.bounds.length && seconds > this.bounds[slot]!) slot++;
    counts.buckets[slot]!++;
    counts.sum += seconds;
    counts.count++;
  }

  /** The shape prom-client's registry renders: cumulative `_bucket` lines, then `_sum` and `_count`. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: HistogramLine[] }> {
    const values: HistogramLine[] = [];
    const key = this.labelName;
    for (const [label, counts] of this.byLabel) {
      let cumulative = 0;
      this.bounds.forEach((le, slot) => {
        cumulative += counts.buckets[slot]!;
        values.push({ value: cumulative, labels: { le, [key]: label }, metricName: `${this.name}_bucket` });
      });
      values.push({ value: counts.count, labels: { le: "+Inf", [key]: label }, metricName: `${this.name}_bucket` });
      values.push({ value: counts.sum, labels: { [key]: label }, metricName: `${this.name}_sum` });
      values.push({ value: counts.count, labels: { [key]: label }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.byLabel.clear();
  }
}
