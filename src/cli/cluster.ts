/**
 * `switchyard start --workers N`: one primary and N worker processes sharing
 * the port (node:cluster). Key limits and budgets hold across workers: with
 * `state.url: memory://` the primary holds the one state store and workers
 * reach it over IPC; with Redis they share Redis. Key changes made on one worker
 * are relayed so every worker's cache applies them to the next request.
 */
import cluster, { type Worker } from "node:cluster";
import { loadStartupConfig } from "../config/load.js";
import { createLogger } from "../gateway/logger.js";
import { IpcStateStore, serveState } from "../state/ipc-state.js";
import { MemoryStateStore } from "../state/memory-state.js";
import { runStart, type StartOptions } from "./start.js";

const IPC_STATE = "ipc";

interface KeyChanged { type: "sy-key-changed"; id: string }

export async function runCluster(options: StartOptions, workers: number): Promise<void> {
  if (!cluster.isPrimary) return runWorker(options);
  const { config } = loadStartupConfig(options.config);
  const log = createLogger(config.log.level);
  if (config.storage.url.startsWith("memory")) {
    throw new Error("--workers needs storage that workers share: use sqlite://… or postgres://… in storage.url");
  }
  const state = config.state.url === "memory://" ? new MemoryStateStore() : undefined;
  let stopping = false;
  const fork = (): Worker => {
    const worker = cluster.fork({ SWITCHYARD_WORKER_STATE: state ? IPC_STATE : "" });
    if (state) serveState(state, worker);
    worker.on("message", (message: KeyChanged) => {
      if (message?.type !== "sy-key-changed") return;
      // A worker that has just died reports to the callback; without one its 'error' would end the primary.
      for (const other of Object.values(cluster.workers ?? {})) if (other && other !== worker) other.send(message, () => {});
    });
    return worker;
  };
  for (let i = 0; i < workers; i++) fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    log.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });
  const forward = (signal: NodeJS.Signals) => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: draining ${workers} workers`);
    forward(signal);
    const check = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearInterval(check);
        process.exit(0);
      }
    }, 50);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGHUP", () => forward("SIGHUP"));
  log.info(`primary ${process.pid} started ${workers} workers${state ? " (key limits and budgets held by the primary)" : ""}`);
}

async function runWorker(options: StartOptions): Promise<void> {
  const state = process.env.SWITCHYARD_WORKER_STATE === IPC_STATE ? new IpcStateStore(process as unknown as ConstructorParameters<typeof IpcStateStore>[0]) : undefined;
  const gateway = await runStart(options, { state });
  gateway.onKeyChange((id) => process.send?.({ type: "sy-key-changed", id } satisfies KeyChanged, undefined, undefined, () => {}));
  process.on("message", (message: KeyChanged) => {
    if (message?.type === "sy-key-changed") gateway.invalidateKey(message.id);
  });
}
