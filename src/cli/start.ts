import { existsSync } from "node:fs";
import { ConfigError, loadConfigFile, loadStartupConfig } from "../config/load.js";
import type { Logger } from "pino";
import { createGateway, type Gateway, type GatewayCloseReport } from "../gateway/gateway.js";
import { setOldGenerationGrowth } from "../server/heap-growth.js";
import { startServer } from "../server/http-server.js";
import { trimHeapWhenIdle } from "../server/idle-heap-trim.js";
import type { StateStore } from "../state/state-store.js";
import { watchFileChanges } from "./file-watch.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const RELOAD_DEBOUNCE_MS = 300;

/** The listening address, what the config file says, and which parts flags set instead. */
interface Address {
  listening: string;
  inFile: { host: string; port: number };
  fromFlags: { host: boolean; port: boolean };
}

export interface StartOptions {
  config?: string;
  port?: number;
  host?: string;
}

/**
 * SIGHUP, and a change to the config file, re-read it; an invalid file is
 * rejected and the old config keeps serving. Without a file (environment
 * defaults) SIGHUP only says so: a running process's environment cannot change,
 * and the signal's default action would end the gateway without draining.
 */
function reloadOnSignalAndChange(gateway: Gateway, file: string | undefined, address: Address): void {
  const log = gateway.logger;
  if (file === undefined) {
    process.on("SIGHUP", () => log.info("SIGHUP: no config file to reload (running on defaults from the environment); start with --config FILE to reload one"));
    return;
  }
  const reload = (why: string) => {
    // Read at the reload's turn, inside it: a file that cannot be read or is invalid is a rejected
    // reload the gateway records in the audit log (config.rejected), as well as logging it here.
    const readFile = () => {
      const next = loadConfigFile(file);
      // The gateway compares the other `server` settings; the address is known here only (--host/--port may override the file).
      const moved = (["host", "port"] as const).filter((key) => next.server[key] !== address.inFile[key]);
      if (moved.length > 0) {
        const overridden = moved.filter((key) => address.fromFlags[key]);
        log.warn(
          `server.${moved.join(", server.")} changes apply after a restart; still listening on ${address.listening}` +
            (overridden.length > 0 ? ` (and --${overridden.join(", --")} given at start win over the file)` : ""),
        );
        address.inFile = { host: next.server.host, port: next.server.port };
      }
      return next;
    };
    void gateway
      .reload(readFile)
      .then(() => log.info({ config: file }, `config reloaded (${why})`))
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        log.error({ config: file }, `config reload rejected, still serving the previous config: ${message}`);
      });
  };
  process.on("SIGHUP", () => reload("SIGHUP"));
  const cannotWatch = (error: Error) => log.warn(`cannot watch ${file} for changes (${error.message}); SIGHUP still reloads`);
  try {
    watchFileChanges(file, RELOAD_DEBOUNCE_MS, () => reload("file changed"), cannotWatch);
  } catch (error) {
    cannotWatch(error as Error);
  }
}

/**
 * 0 when every ledger row reached the store; 1 when some went to an unsaved-rows file or were lost,
 * so a supervisor or script sees the shutdown was not clean (the file's path is logged above).
 */
export function shutdownExitCode(ledger: GatewayCloseReport["ledger"], log: Pick<Logger, "error">): number {
  if (ledger.saved === 0 && ledger.dropped === 0) return 0;
  log.error({ saved: ledger.saved, dropped: ledger.dropped }, "shutdown: not every ledger row reached the store; exiting with code 1");
  return 1;
}

export async function runStart(options: StartOptions, extra: { state?: StateStore } = {}): Promise<Gateway> {
  const { config, source } = loadStartupConfig(options.config);
  const inFile = { host: config.server.host, port: config.server.port };
  if (options.port !== undefined) config.server.port = options.port;
  if (options.host !== undefined) config.server.host = options.host;
  setOldGenerationGrowth(config.server.heap_growth_percent);
  const gateway = await createGateway({ config, state: extra.state }).catch((error: unknown) => {
    throw error instanceof ConfigError ? error.from(source) : error;
  });
  const log = gateway.logger;
  let host = config.server.host;
  if (!config.server.master_key && !LOOPBACK.has(host)) {
    log.warn(`no server.master_key is set: refusing to listen on ${host}; serving on 127.0.0.1 only`);
    host = "127.0.0.1";
  }
  const running = await startServer(gateway, { host, port: config.server.port });
  const providers = Object.keys(config.providers).filter((name) => !gateway.disabledProviders().some((d) => d.provider === name));
  log.info({ config: source, providers }, `Switchyard listening on ${running.url}`);
  if (!config.server.master_key) log.info("no master key configured: the API is open to local clients only");
  // `source` is a path when a file was loaded, else a description of the environment defaults.
  const address = { listening: running.url, inFile, fromFlags: { host: options.host !== undefined, port: options.port !== undefined } };
  reloadOnSignalAndChange(gateway, existsSync(source) ? source : undefined, address);
  const stopTrimming = config.server.idle_trim_ms > 0 ? trimHeapWhenIdle(running, config.server.idle_trim_ms, log) : () => {};

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: draining in-flight requests`);
    stopTrimming();
    // The startup value, like the listener's other settings: a reload says they wait for a restart.
    await running.close(config.server.shutdown_grace_ms);
    const { ledger } = await gateway.close();
    process.exit(shutdownExitCode(ledger, log));
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  return gateway;
}
