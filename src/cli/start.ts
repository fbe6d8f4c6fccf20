import { loadStartupConfig } from "../config/load.js";
import { createGateway } from "../gateway/gateway.js";
import { startServer } from "../server/http-server.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export async function runStart(options: { config?: string; port?: number; host?: string }): Promise<void> {
  const { config, source } = loadStartupConfig(options.config);
  if (options.port !== undefined) config.server.port = options.port;
  if (options.host !== undefined) config.server.host = options.host;
  const gateway = await createGateway({ config });
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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: draining in-flight requests`);
    await running.close();
    await gateway.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
