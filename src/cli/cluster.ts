/**
 * `switchyard start --workers N`: one primary and N worker processes sharing
 * the port (node:cluster). Key limits and budgets hold across workers: with
 * `state.url: memory://` the primary holds the one state store and workers
 * reach it over IPC; with Redis they share Redis. Key changes made on one worker
 * are relayed so every worker's cache applies them to the next request.
 * A worker that cannot start stops the gateway (exit 1), as a single process
 * would; one that crashes after serving is replaced after a growing delay.
 * `GET /metrics` on any worker answers for all of them (cluster-metrics.ts).
 */
import cluster, { type Worker } from "node:cluster";
import { loadStartupConfig } from "../config/load.js";
import { createLogger } from "../gateway/logger.js";
import { setScrapeScope } from "../gateway/metrics.js";
import { IpcStateStore, serveState } from "../state/ipc-state.js";
import { MemoryStateStore } from "../state/memory-state.js";
import { COLLECT_TIMEOUT_MS, MetricsCollector, WorkerScrapeScope } from "./cluster-metrics.js";
import { ProcessMetrics } from "../gateway/process-metrics.js";
import { Registry } from "../gateway/prom.js";
import { runStart, type StartOptions } from "./start.js";
import type { VirtualKey } from "../auth/virtual-key.js";

const IPC_STATE = "ipc";
const RESTART_FIRST_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 30_000;
/** A worker that served this long before it crashed starts the restart delay over. */
const STABLE_AFTER_MS = 60_000;

/** `key`: the key as the sending worker stored it (null: gone), for workers whose key store mirrors the database. */
interface KeyChanged { type: "sy-key-changed"; id: string; key?: VirtualKey | null }

/** How long to wait before replacing a worker that crashed after serving: doubles with each crash in a row, capped. */
function restartDelay(crashesInARow: number): number {
  return Math.min(RESTART_FIRST_DELAY_MS * 2 ** Math.max(0, crashesInARow - 1), RESTART_MAX_DELAY_MS);
}

export async function runCluster(options: StartOptions, workers: number): Promise<void> {
  if (!cluster.isPrimary) return runWorker(options);
  const { config } = loadStartupConfig(options.config);
  const log = createLogger(config.log.level);
  if (config.storage.url.startsWith("memory")) {
    throw new Error("--workers needs storage that workers share: use sqlite://… or postgres://… in storage.url");
  }
  const state = config.state.url === "memory://" ? new MemoryStateStore() : undefined;
  let stopping = false;
  let exitCode = 0;
  /** Forked and not yet exited: the primary waits for every one's exit code before its own. */
  const running = new Set<Worker>();
  /** When each worker started listening; a worker missing here has not served yet. */
  const listeningSince = new Map<Worker, number>();
  let crashesInARow = 0;
  const own = new Registry();
  new ProcessMetrics(own);
  const metrics = new MetricsCollector(() => [...listeningSince.keys()].filter((worker) => worker.isConnected()), COLLECT_TIMEOUT_MS, () => own.getMetricsAsJSON());
  const fork = (): Worker => {
    const worker = cluster.fork({ SWITCHYARD_WORKER_STATE: state ? IPC_STATE : "" });
    if (state) serveState(state, worker);
    metrics.serve(worker);
    worker.on("message", (message: KeyChanged) => {
      if (message?.type !== "sy-key-changed") return;
      // A worker that has just died reports to the callback; without one its 'error' would end the primary.
      for (const other of Object.values(cluster.workers ?? {})) if (other && other !== worker) other.send(message, () => {});
    });
    running.add(worker);
    return worker;
  };
  cluster.on("listening", (worker) => listeningSince.set(worker, Date.now()));
  // The first worker starts alone: it sets up the storage, which workers opening a new database together race on.
  fork();
  cluster.once("listening", () => {
    for (let i = 1; i < workers; i++) fork();
  });
  cluster.on("exit", (worker, code, signal) => {
    const since = listeningSince.get(worker);
    listeningSince.delete(worker);
    running.delete(worker);
    if (stopping) {
      // A worker that could not store all of its ledger rows at shutdown exits 1: so does the gateway.
      if (code !== 0 && code !== null) exitCode = Math.max(exitCode, code);
      return;
    }
    const how = signal ?? `code ${code}`;
    if (since === undefined) {
      // Its reason (a port in use, a config or secret that does not resolve) is on stderr above; the next worker would fail the same way.
      log.error(`worker ${worker.process.pid} exited (${how}) before it started listening; stopping`);
      stop("a worker failed to start", "SIGTERM", 1);
      return;
    }
    crashesInARow = Date.now() - since >= STABLE_AFTER_MS ? 1 : crashesInARow + 1;
    const delay = restartDelay(crashesInARow);
    log.error(`worker ${worker.process.pid} exited (${how}); starting another in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });
  const forward = (signal: NodeJS.Signals, to: Iterable<Worker | undefined>) => {
    for (const worker of to) worker?.process.kill(signal);
  };
  const stop = (reason: string, signal: NodeJS.Signals, code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    log.info(`${reason}: draining ${running.size} workers`);
    forward(signal, running);
    const check = setInterval(() => {
      if (running.size === 0) {
        clearInterval(check);
        process.exit(exitCode);
      }
    }, 50);
  };
  process.on("SIGTERM", () => stop("SIGTERM", "SIGTERM", 0));
  process.on("SIGINT", () => stop("SIGINT", "SIGINT", 0));
  // Only listening workers have a SIGHUP handler; one still starting reads the current file anyway.
  process.on("SIGHUP", () => forward("SIGHUP", listeningSince.keys()));
  log.info(`primary ${process.pid} started ${workers} workers${state ? " (key limits and budgets held by the primary)" : ""}`);
}

async function runWorker(options: StartOptions): Promise<void> {
  // The store logs through the worker's own logger: its settle retries during an outage of the primary.
  const log = createLogger(loadStartupConfig(options.config).config.log.level);
  const primary = process as unknown as ConstructorParameters<typeof IpcStateStore>[0];
  const state = process.env.SWITCHYARD_WORKER_STATE === IPC_STATE ? new IpcStateStore(primary, { log }) : undefined;
  // Before the gateway starts, so its registry joins the primary's collections.
  setScrapeScope(new WorkerScrapeScope(primary));
  const gateway = await runStart(options, { state });
  const relay = (message: KeyChanged) => process.send?.(message, undefined, undefined, () => {});
  /** Set while a relayed change is applied: it must not be relayed back. */
  let applyingRelayed = false;
  gateway.onKeyChange((id) => {
    if (applyingRelayed) return;
    // A PostgreSQL key store answers from memory: the others need the key itself, once it is stored
    // (a refresh of theirs reading the database then sees it too). A failed write is left to their refresh.
    gateway.storedKey(id).then((key) => relay({ type: "sy-key-changed", id, key }), () => undefined);
  });
  process.on("message", (message: KeyChanged) => {
    if (message?.type !== "sy-key-changed") return;
    applyingRelayed = true;
    try {
      gateway.invalidateKey(message.id, message.key);
    } finally {
      applyingRelayed = false;
    }
  });
}
