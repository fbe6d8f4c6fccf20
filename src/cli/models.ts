import { loadStartupConfig } from "../config/load.js";
import { createGateway } from "../gateway/gateway.js";
import { createLogger } from "../gateway/logger.js";

export async function runModels(options: { config?: string; remote?: boolean }): Promise<void> {
  const { config, source } = loadStartupConfig(options.config);
  const gateway = await createGateway({ config, logger: createLogger("error") });
  try {
    console.log(`# routable models (${source})`);
    for (const [alias, entry] of Object.entries(config.models)) {
      console.log(`${alias}  ->  ${entry.deployments.map((d) => `${d.provider}/${d.model}`).join(", ")}${entry.fallbacks?.length ? `  (fallbacks: ${entry.fallbacks.join(", ")})` : ""}`);
    }
    for (const [name, provider] of Object.entries(config.providers)) {
      const disabled = gateway.disabledProviders().find((d) => d.provider === name);
      console.log(`${name}/<model>  (${provider.type})${disabled ? `  DISABLED: ${disabled.reason}` : ""}`);
    }
    if (options.remote) {
      for (const card of await gateway.models()) if (card.owned_by !== "switchyard") console.log(card.id);
    }
  } finally {
    await gateway.close();
  }
}
