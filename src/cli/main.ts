/**
 * The `switchyard` command line.
 */
import { Command } from "commander";
import { ConfigError } from "../config/load.js";
import { runDemo } from "./demo.js";
import { runDoctor } from "./doctor.js";
import { runModels } from "./models.js";
import { runStart } from "./start.js";

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name("switchyard").description("Self-hosted LLM gateway: one OpenAI-compatible API in front of every provider");
  program
    .command("start")
    .description("start the gateway")
    .option("-c, --config <file>", "config file (default: ./switchyard.yaml, else providers from environment variables)")
    .option("-p, --port <port>", "port to listen on", (value) => Number.parseInt(value, 10))
    .option("-H, --host <host>", "address to bind")
    .action((options) => runStart(options));
  program
    .command("models")
    .description("list what is routable with the current config")
    .option("-c, --config <file>", "config file")
    .option("--remote", "also ask each provider for its model list")
    .action((options) => runModels(options));
  program
    .command("doctor")
    .description("check the config, secrets and provider reachability")
    .option("-c, --config <file>", "config file")
    .action((options) => runDoctor(options));
  program
    .command("demo")
    .description("start the gateway with local simulated providers (no API key needed)")
    .option("-p, --port <port>", "port to listen on", (value) => Number.parseInt(value, 10))
    .option("-n, --requests <count>", "demo requests to send at start", (value) => Number.parseInt(value, 10))
    .action((options) => runDemo(options));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
