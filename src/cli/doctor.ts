/**
 * `switchyard doctor`: checks the config, each provider's secrets and
 * reachability, and says what to fix. Exits non-zero when something is wrong.
 */
import { loadStartupConfig } from "../config/load.js";
import type { ProviderConfig, SwitchyardConfig } from "../config/schema.js";
import { SecretSource } from "../config/secret-source.js";
import { createGateway } from "../gateway/gateway.js";
import { pino } from "pino";
import { openStores } from "../gateway/stores.js";
import { createLogger } from "../gateway/logger.js";
import { routingOnly } from "./offline-gateway.js";
import type { ProbeResult } from "../gateway/models.js";

const CHECK_TIMEOUT_MS = 5_000;

type Verdict = "ok" | "warning" | "problem";

/**
 * A generic OpenAI-compatible server (vLLM, llama.cpp, a proxy) need not serve
 * `/models`: a 404 there proves it reachable, not broken. Known vendors do list
 * their models, so there a 404 means a wrong base_url.
 */
function verdictOf(config: ProviderConfig, result: ProbeResult): Verdict {
  if (result.ok) return "ok";
  return config.type === "openai-compatible" && result.status === 404 ? "warning" : "problem";
}

function probeLine(name: string, config: ProviderConfig, result: ProbeResult, verdict: Verdict, tookMs: number): string {
  const probed = result.url ? `GET ${result.url}` : "no model-list endpoint";
  if (verdict === "ok") return `✓ ${name}: reachable (${result.detail}, ${tookMs} ms; ${probed})`;
  if (verdict === "warning") {
    const declared = config.models?.length ?? 0;
    const advice = declared > 0 ? `the ${declared} declared under providers.${name}.models are listed instead` : `declare them under providers.${name}.models`;
    return `! ${name}: reachable, but lists no models (${result.detail} from ${probed}); ${advice}`;
  }
  return `✗ ${name}: ${result.detail} (${probed})`;
}

async function masterKeyResolves(config: SwitchyardConfig): Promise<boolean> {
  const reference = config.server.master_key;
  if (!reference) return true;
  const secrets = new SecretSource({ ttlMs: config.secrets.vault_ttl_ms, onVaultError: () => {} });
  await secrets.prepare({ ...config, providers: {} });
  const secret = secrets.resolve(reference);
  if (!secret.ok) console.log(`✗ server.master_key: ${secret.reason} (switchyard start would refuse to run)`);
  else if (secret.literal) console.log("! server.master_key is a literal value; prefer env:NAME or file:/path");
  return secret.ok;
}

/** Opens the stores as `switchyard start` does; their messages name the URL's scheme and host, never a password. */
async function storesOpen(config: SwitchyardConfig): Promise<boolean> {
  const scheme = (url: string) => /^[a-z][a-z0-9+.-]*/i.exec(url)?.[0] ?? "?";
  try {
    const stores = await openStores(config.storage.url, config.state.url, createLogger("silent"));
    await stores.close();
    console.log(`✓ storage (${scheme(config.storage.url)}) and state (${scheme(config.state.url)}): open`);
    return true;
  } catch (error) {
    console.log(`✗ ${(error as Error).message} (switchyard start would refuse to run)`);
    return false;
  }
}

export async function runDoctor(options: { config?: string }): Promise<void> {
  let problems = 0;
  const { config, source } = loadStartupConfig(options.config);
  console.log(`config: ${source} — valid`);
  // Checked on its own: a master key that does not resolve stops `start`, not the other checks.
  if (!(await masterKeyResolves(config))) problems++;
  // The gateway's own warnings, kept to print those about secrets written into the file as literals.
  const warnings: string[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
  // Checked on its own too: a database that is down stops `start`, not the provider checks.
  if (!(await storesOpen(config))) problems++;
  const gateway = await createGateway({ config: routingOnly(config), logger });
  try {
    for (const warning of warnings.filter((message) => message.includes("is a literal value"))) console.log(`! ${warning}`);
    for (const disabled of gateway.disabledProviders()) {
      problems++;
      console.log(`✗ ${disabled.provider}: disabled — ${disabled.reason}`);
    }
    const checks = Object.entries(config.providers)
      .filter(([name]) => !gateway.disabledProviders().some((d) => d.provider === name))
      .map(async ([name, providerConfig]) => {
        const started = Date.now();
        const result = await gateway.probe(name, CHECK_TIMEOUT_MS);
        const verdict = verdictOf(providerConfig, result);
        if (verdict === "problem") problems++;
        console.log(probeLine(name, providerConfig, result, verdict, Date.now() - started));
      });
    await Promise.all(checks);
    if (!config.server.master_key) console.log("! no server.master_key: the gateway will serve on loopback only");
  } finally {
    await gateway.close();
  }
  console.log(problems === 0 ? "\nAll checks passed." : `\n${problems} problem(s) found.`);
  if (problems > 0) process.exitCode = 1;
}
