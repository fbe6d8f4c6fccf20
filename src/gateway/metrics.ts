/**
 * Prometheus metrics. The hot path only bumps numbers in a Map (no label
 * hashing per metric); prom-client reads them at scrape time.
 */
import type { LedgerRow } from "../accounting/ledger-row.js";
import { DurationHistogram } from "./duration-histogram.js";
import { ProcessMetrics } from "./process-metrics.js";
import { Counter, Gauge, Registry } from "./prom.js";

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

interface Series {
  labels: { provider: string; model: string; status: string; stream: string };
  requests: number;
  costUsd: number;
  unpriced: number;
  estimated: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
}

export interface MetricsSources {
  ledger(): { queued: number; written: number; failedWrites: number; dropped: number };
  inFlight(): Array<{ id: string; inFlight: number; healthy: boolean }>;
  /** Whether the config names this provider/model (its own label is then always kept). */
  configured?(provider: string, model: string): boolean;
  /** Whether its price is only the default for self-hosted types (ollama, openai-compatible): any name a client sends gets it. */
  pricedByDefault?(provider: string, model: string): boolean;
}

/**
 * Label combinations kept at most. Clients may name any `provider/model`: a
 * model neither priced nor configured is labelled `(unlisted)` (as is a
 * self-hosted model, free by default, whose name its server refused), and past
 * this many series every new model is `(other)`, so a scrape stays bounded.
 */
export const MAX_SERIES = 2_000;
export const UNLISTED_MODEL = "(unlisted)";
export const OTHER_MODEL = "(other)";
const MAX_RELABELLED = 1_000;

/**
 * How a process that shares its port with others (a cluster worker) answers
 * a scrape: with the figures of the whole group, so successive scrapes do not
 * jump between processes' counters. cli/cluster.ts sets it in each worker
 * before the gateway starts; a single process serves its own registry.
 */
export interface ScrapeScope {
  /** Lends a registry to the group's scrapes; the returned function takes it back. */
  add(registry: Registry): () => void;
  /** The exposition text of the whole group, in the registry's content type. */
  render(): Promise<string>;
}

let processScope: ScrapeScope | undefined;

/** Sets the scope of the Metrics this process creates from now on. */
export function setScrapeScope(scope: ScrapeScope | undefined): void {
  processScope = scope;
}

export class Metrics {
  readonly registry = new Registry();
  /** Keyed by the series' own labels only, so it is as bounded as they are. */
  private readonly series = new Map<string, Series>();
  private readonly relabelled = new Map<string, Series>();
  private readonly duration: DurationHistogram;
  private readonly process: ProcessMetrics;
  private readonly scope = processScope;
  private readonly leaveScope: () => void;

  constructor(private readonly sources: MetricsSources) {
    this.process = new ProcessMetrics(this.registry);
    this.leaveScope = this.scope?.add(this.registry) ?? (() => {});
    const labelNames = ["provider", "model", "status", "stream"] as const;
    const series = this.series;
    const counter = (name: string, help: string, value: (s: Series) => number) =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [this.registry],
        // Absolute totals from the hot path's Map, set at scrape time.
        collect() {
          this.reset();
          for (const s of series.values()) {
            const total = value(s);
            if (total > 0) this.inc(s.labels, total);
          }
        },
      });
    counter("switchyard_requests_total", "Finished requests", (s) => s.requests);
    counter("switchyard_cost_usd_total", "Cost of finished requests in USD at provider prices", (s) => s.costUsd);
    counter("switchyard_unpriced_requests_total", "Requests whose model has no price (cost unknown, not zero)", (s) => s.unpriced);
    counter("switchyard_estimated_cost_requests_total", "Requests whose cost used estimated tokens or prices", (s) => s.estimated);
    counter("switchyard_input_tokens_total", "Input tokens (cached included)", (s) => s.inputTokens);
    counter("switchyard_cached_tokens_total", "Cached input tokens", (s) => s.cachedTokens);
    counter("switchyard_output_tokens_total", "Output tokens (reasoning included)", (s) => s.outputTokens);
    this.duration = new DurationHistogram("switchyard_request_duration_seconds", "Time from arrival to the last byte, per provider", LATENCY_BUCKETS, this.registry);
    new Gauge({
      name: "switchyard_ledger_rows",
      help: "Ledger writer counters: queued, written, dropped, failed writes",
      labelNames: ["state"],
      registers: [this.registry],
      collect() {
        const stats = sources.ledger();
        this.set({ state: "queued" }, stats.queued);
        this.set({ state: "written" }, stats.written);
        this.set({ state: "dropped" }, stats.dropped);
        this.set({ state: "failed_writes" }, stats.failedWrites);
      },
    });
    new Gauge({
      name: "switchyard_deployment_in_flight",
      help: "Upstream requests in flight per deployment",
      labelNames: ["deployment"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const d of sources.inFlight()) this.set({ deployment: d.id }, d.inFlight);
      },
    });
    new Gauge({
      name: "switchyard_deployment_healthy",
      help: "1 when a deployment is in rotation, 0 while cooling down or rate limited",
      labelNames: ["deployment"],
      registers: [this.registry],
      // Across cluster workers: 0 while any worker keeps it out of rotation (each worker has its own health).
      aggregator: "min",
      collect() {
        this.reset();
        for (const d of sources.inFlight()) this.set({ deployment: d.id }, d.healthy ? 1 : 0);
      },
    });
  }

  observe(row: LedgerRow): void {
    const rowKey = seriesKey(row.provider, row.model, row.status, row.stream);
    let s = this.series.get(rowKey) ?? this.relabelled.get(rowKey);
    if (!s) {
      const model = this.modelLabel(row);
      const key = model === row.model ? rowKey : seriesKey(row.provider, model, row.status, row.stream);
      s = this.series.get(key);
      if (!s) {
        s = {
          labels: { provider: row.provider, model, status: String(row.status), stream: String(row.stream) },
          requests: 0, costUsd: 0, unpriced: 0, estimated: 0, inputTokens: 0, cachedTokens: 0, outputTokens: 0,
        };
        this.series.set(key, s);
      }
      if (key !== rowKey) {
        // A bounded memo of relabelled rows: a steady unlisted model is looked up once, invented ones cannot grow it.
        if (this.relabelled.size >= MAX_RELABELLED) this.relabelled.clear();
        this.relabelled.set(rowKey, s);
      }
    }
    s.requests++;
    if (row.cost_usd !== null) s.costUsd += row.cost_usd;
    if (row.unpriced) s.unpriced++;
    if (row.estimated) s.estimated++;
    s.inputTokens += row.input_tokens;
    s.cachedTokens += row.cached_tokens;
    s.outputTokens += row.output_tokens;
    this.duration.observe(row.provider, row.latency_ms / 1000);
  }

  private modelLabel(row: LedgerRow): string {
    if (row.model === "") return row.model;
    if ((row.unpriced || (row.status >= 400 && this.sources.pricedByDefault?.(row.provider, row.model))) && !this.sources.configured?.(row.provider, row.model)) {
      // Unknown to the catalog and the config; or a self-hosted model by a name its server refused (a real one served it).
      return UNLISTED_MODEL;
    }
    return this.series.size < MAX_SERIES ? row.model : OTHER_MODEL;
  }

  render(): Promise<string> {
    return this.scope ? this.scope.render() : this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops the process observers a scrape started. */
  close(): void {
    this.leaveScope();
    this.process.close();
  }
}

function seriesKey(provider: string, model: string, status: number, stream: boolean): string {
  return `${provider}\u0000${model}\u0000${status}\u0000${stream}`;
}
