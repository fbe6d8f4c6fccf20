/**
 * The `switchyard` command line.
 */
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { ConfigError } from "../config/load.js";
import { runDemo } from "./demo.js";
import { runDoctor } from "./doctor.js";
import { runKeysCreate, runKeysList, runKeysRevoke } from "./keys.js";
import { runModels } from "./models.js";
import { runSpend } from "./spend.js";
import { runCluster } from "./cluster.js";
import { runStart, type StartOptions } from "./start.js";

/** Exit status when the command line or the config is wrong: nothing was started. */
const USAGE_EXIT_CODE = 2;

/**
 * A strict whole-number option parser: `parseInt` reads "4704x" as 4704 and
 * "abc" as NaN, which then ran with a port nobody asked for or no limit at all.
 * Commander prefixes the message with the option and the value it rejected.
 */
function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (parsed >= min && parsed <= max) return parsed;
    const error = new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `Expected a whole number ≥ ${min}.` : `Expected a whole number from ${min} to ${max}.`);
    error.exitCode = USAGE_EXIT_CODE;
    throw error;
  };
}

const port = wholeNumber(0, 65_535);

/** The installed package's version (package.json sits two folders above dist/cli/). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  // Commander ends a wrong command line (unknown command or option, a missing required option or
  // argument) with 1; like a malformed number or a bad config, nothing was started: 2. Set before
  // the subcommands are added, which inherit it. Help and --version keep their 0.
  program.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : USAGE_EXIT_CODE));
  program.name("switchyard").description("Self-hosted LLM gateway: one OpenAI-compatible API in front of every provider");
  program.version(packageVersion(), "-V, --version", "print the version");
  program
    .command("start")
    .description("start the gateway")
    .option("-c, --config <file>", "config file (default: ./switchyard.yaml, else providers from environment variables)")
    .option("-p, --port <port>", "port to listen on", port)
    .option("-H, --host <host>", "address to bind")
    .option("-w, --workers <count>", "worker processes sharing the port (default 1)", wholeNumber(1))
    .action(async (options: StartOptions & { workers?: number }) => {
      if (options.workers && options.workers > 1) await runCluster(options, options.workers);
      else await runStart(options);
    });
  program
    .command("models")
    .description("list what is routable with the current config")
    .option("-c, --config <file>", "config file")
    .option("--remote", "also ask each provider for its model list")
    .action((options) => runModels(options));
  program
    .command("doctor")
    .description("check the config, secrets, stores and provider reachability")
    .option("-c, --config <file>", "config file")
    .action((options) => runDoctor(options));
  program
    .command("demo")
    .description("start the gateway with local simulated providers (no API key needed)")
    .option("-p, --port <port>", "port to listen on", port)
    .option("-n, --requests <count>", "demo requests to send at start", wholeNumber(0))
    .action((options) => runDemo(options));
  program
    .command("spend")
    .description("spend from the ledger, grouped; --savings compares with markup gateways")
    .option("-c, --config <file>", "config file")
    .addOption(new Option("--by <group>", "how to group").choices(["key", "model", "provider", "day"]).default("model"))
    .option("--since <span>", "e.g. 7d, 24h, or a date", "30d")
    .option("--savings", "also print the savings report")
    .action((options) => runSpend(options));
  program
    .command("ledger")
    .description("ledger maintenance")
    .command("import")
    .description("load rows a gateway saved to switchyard-unsaved-ledger-*.jsonl (its store was down at shutdown) into storage.url")
    .argument("<files...>", "saved files")
    .option("-c, --config <file>", "config file")
    // Loaded when used: its row schema need not be built for every other command.
    .action(async (files: string[], options) => (await import("./ledger-import.js")).runLedgerImport(files, options));
  const keys = program.command("keys").description("virtual keys (see --url for a running gateway)");
  const keyTarget = (command: Command) =>
    command.option("-c, --config <file>", "config file (works on its storage directly)").option("--url <url>", "a running gateway's base URL; uses SWITCHYARD_MASTER_KEY");
  keyTarget(keys.command("create").description("create a key; prints the secret once"))
    .requiredOption("--name <name>", "a name for the key")
    .option("--models <list>", "comma-separated aliases or provider/model patterns (default: all)")
    .option("--rpm <n>", "requests per minute")
    .option("--tpm <n>", "tokens per minute")
    .option("--budget <usd>", "budget in USD")
    .option("--period <period>", "daily | weekly | monthly | total")
    .option("--expires <date>", "ISO date when the key stops working")
    .action((options) => runKeysCreate(options));
  keyTarget(keys.command("list").description("list keys (no secrets)")).action((options) => runKeysList(options));
  keyTarget(keys.command("revoke").description("revoke a key").argument("<id>", "key id")).action((id, options) => runKeysRevoke(id, options));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof ConfigError ? USAGE_EXIT_CODE : 1);
  }
}
