/**
 * One scrape for all of a cluster's workers. Each worker keeps its own
 * registry; answered alone, `GET /metrics` jumped between the counters of
 * whichever worker took the connection, which Prometheus reads as resets.
 * Instead the worker that takes a scrape asks the primary, the primary asks
 * every listening worker for its registry's figures, adds its own process
 * figures (the primary holds the shared key state: its memory and CPU count),
 * combines them (each metric by its `aggregator`: sum unless it says
 * otherwise) and answers with the exposition text.
 *
 * One collection runs at a time: scrapes that arrive meanwhile share it, so a
 * slow worker cannot make scrapes pile up. A worker that does not answer
 * within COLLECT_TIMEOUT_MS is left out of that scrape and counted in
 * switchyard_metrics_workers_missing.
 */
import type { ScrapeScope } from "../gateway/metrics.js";
import { aggregate, type MetricJson, type Registry } from "../gateway/prom.js";
import type { Channel } from "../state/ipc-state.js";

/** How long the primary waits for the workers' figures. */
export const COLLECT_TIMEOUT_MS = 2_500;
/** A worker waits for the primary's collection plus this margin before failing the scrape. */
const SCRAPE_MARGIN_MS = 1_000;
const MISSING = "switchyard_metrics_workers_missing";

interface ScrapeRequest { type: "sy-metrics-scrape"; id: number }
interface ScrapeAnswer { type: "sy-metrics-scrape-answer"; id: number; text?: string; error?: string }
interface CollectRequest { type: "sy-metrics-collect"; id: number }
/** `metrics` is absent when the worker could not read its registry. */
interface CollectAnswer { type: "sy-metrics-collect-answer"; id: number; metrics?: MetricJson[] }

/** The primary's side: collects, combines and hands out the workers' figures. */
export class MetricsCollector {
  private nextId = 1;
  private inFlight: Promise<string> | undefined;

  /**
   * `workers` lists the workers that serve (those still starting have nothing to report); `own`
   * gives the primary's own figures (its process metrics), part of every scrape.
   */
  constructor(
    private readonly workers: () => Channel[],
    private readonly timeoutMs = COLLECT_TIMEOUT_MS,
    private readonly own: () => Promise<MetricJson[]> = async () => [],
  ) {}

  /** Answers the scrapes one worker forwards; called for each worker forked. */
  serve(worker: Channel): void {
    worker.on("message", (message) => {
      const request = message as ScrapeRequest;
      if (request?.type !== "sy-metrics-scrape") return;
      void this.collect()
        .then((text) => ({ text }), (error: Error) => ({ error: error.message }))
        .then((answer) => worker.send({ type: "sy-metrics-scrape-answer", id: request.id, ...answer } satisfies ScrapeAnswer, () => {}));
    });
  }

  /** The exposition text of every serving worker; joins the collection in flight, if any. */
  collect(): Promise<string> {
    this.inFlight ??= this.collectOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async collectOnce(): Promise<string> {
    const id = this.nextId++;
    const workers = this.workers();
    const [own, ...answers] = await Promise.all([this.own().catch(() => []), ...workers.map((worker) => askWorker(worker, id, this.timeoutMs))]);
    const registries = answers.filter((metrics) => metrics !== undefined);
    registries.push([missingGauge(workers.length - registries.length)], own);
    return aggregate(registries).metrics();
  }
}

/** One worker's figures, or undefined when it does not answer in time (or cannot be reached). */
function askWorker(worker: Channel, id: number, timeoutMs: number): Promise<MetricJson[] | undefined> {
  return new Promise((resolve) => {
    const done = (metrics: MetricJson[] | undefined) => {
      clearTimeout(timer);
      worker.off("message", listener);
      resolve(metrics);
    };
    const listener = (message: unknown) => {
      const answer = message as CollectAnswer;
      if (answer?.type === "sy-metrics-collect-answer" && answer.id === id) done(Array.isArray(answer.metrics) ? answer.metrics : undefined);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    worker.on("message", listener);
    worker.send({ type: "sy-metrics-collect", id } satisfies CollectRequest, (error) => {
      if (error) done(undefined);
    });
  });
}

function missingGauge(missing: number): MetricJson {
  const gauge = {
    name: MISSING,
    help: "Workers whose figures this scrape leaves out: they did not answer in time",
    type: "gauge",
    aggregator: "sum",
    values: [{ value: missing, labels: {} }],
  };
  // prom-client's typings declare `type` as an enum; its registries write the string, as here.
  return gauge as unknown as MetricJson;
}

interface Waiting { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }

/** A worker's side: lends its registry to the primary's collections and forwards its own scrapes. */
export class WorkerScrapeScope implements ScrapeScope {
  private readonly registries = new Set<Registry>();
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;

  constructor(
    private readonly primary: Channel,
    private readonly timeoutMs = COLLECT_TIMEOUT_MS + SCRAPE_MARGIN_MS,
  ) {
    primary.on("message", (message) => this.receive(message));
  }

  add(registry: Registry): () => void {
    this.registries.add(registry);
    return () => this.registries.delete(registry);
  }

  render(): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle({ id, error: "the cluster's primary did not answer the scrape in time" }), this.timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      this.primary.send({ type: "sy-metrics-scrape", id } satisfies ScrapeRequest, (error) => {
        if (error) this.settle({ id, error: `cannot reach the cluster's primary: ${error.message}` });
      });
    });
  }

  private receive(message: unknown): void {
    const typed = message as CollectRequest | ScrapeAnswer;
    if (typed?.type === "sy-metrics-collect") void this.answer(typed.id);
    else if (typed?.type === "sy-metrics-scrape-answer") this.settle(typed);
  }

  private async answer(id: number): Promise<void> {
    let metrics: MetricJson[] | undefined;
    try {
      metrics = (await Promise.all([...this.registries].map((registry) => registry.getMetricsAsJSON()))).flat();
    } catch {
      // Left out of this scrape, and counted as missing.
    }
    this.primary.send({ type: "sy-metrics-collect-answer", id, metrics } satisfies CollectAnswer, () => {});
  }

  private settle(answer: { id: number; text?: string; error?: string }): void {
    const waiting = this.waiting.get(answer.id);
    if (!waiting) return;
    this.waiting.delete(answer.id);
    clearTimeout(waiting.timer);
    if (answer.text !== undefined) waiting.resolve(answer.text);
    else waiting.reject(new Error(answer.error ?? "the cluster's primary sent no metrics"));
  }
}
