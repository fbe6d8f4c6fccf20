/**
 * `switchyard doctor`: checks the config, each provider's secrets and
 * reachability, and says what to fix. Exits non-zero when something is wrong.
 */
import { loadStartupConfig } from "../config/load.js";
import { createGateway } from "../gateway/gateway.js";
import { createLogger } from "../gateway/logger.js";

const CHECK_TIMEOUT_MS = 5_000;

export async function runDoctor(options: { config?: string }): Promise<void> {
  let problems = 0;
  const { config, source } = loadStartupConfig(options.config);
  console.log(`config: ${source} — valid`);
  const gateway = await createGateway({ config, logger: createLogger("silent") });
  try {
    for (const disabled of gateway.disabledProviders()) {
      problems++;
      console.log(`✗ ${disabled.provider}: disabled — ${disabled.reason}`);
    }
    const checks = Object.keys(config.providers)
      .filter((name) => !gateway.disabledProviders().some((d) => d.provider === name))
      .map(async (name) => {
        const started = Date.now();
        const result = await gateway.probe(name, CHECK_TIMEOUT_MS);
        const took = Date.now() - started;
        if (result.ok) console.log(`✓ ${name}: reachable (${result.detail}, ${took} ms)`);
        else {
          problems++;
          console.log(`✗ ${name}: ${result.detail}`);
        }
      });
    await Promise.all(checks);
    if (!config.server.master_key) console.log("! no server.master_key: the gateway will serve on loopback only");
  } finally {
    await gateway.close();
  }
  console.log(problems === 0 ? "\nAll checks passed." : `\n${problems} problem(s) found.`);
  if (problems > 0) process.exitCode = 1;
}
