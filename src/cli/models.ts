/**
 * `switchyard models`: what is routable with the current config, with prices
 * (USD per 1M tokens) — or `unpriced`, never a silent zero.
 */
import type { PriceQuote } from "../accounting/price-entry.js";
import { PriceCatalog } from "../accounting/price-catalog.js";
import { loadStartupConfig } from "../config/load.js";
import { createGateway } from "../gateway/gateway.js";
import { createLogger } from "../gateway/logger.js";
import { routingOnly } from "./offline-gateway.js";
import { printTable } from "./table.js";

function priceCells(quote: PriceQuote): string[] {
  if (!quote.priced) return ["unpriced", "", "", ""];
  const p = quote.price;
  const mark = quote.estimate ? "~" : "";
  return [`${mark}${p.input}`, p.cached_input === undefined ? "-" : String(p.cached_input), p.cache_write === undefined ? "-" : String(p.cache_write), `${mark}${p.output}`];
}

export async function runModels(options: { config?: string; remote?: boolean }): Promise<void> {
  const { config, source } = loadStartupConfig(options.config);
  const catalog = PriceCatalog.fromConfig(config.pricing);
  const typeOf = (provider: string) => config.providers[provider]?.type ?? provider;
  const rows: string[][] = [];
  const notes: string[] = [];
  const gateway = await createGateway({ config: routingOnly(config), logger: createLogger("error") });
  try {
    const disabled = new Map(gateway.disabledProviders().map((d) => [d.provider, d.reason]));
    for (const [alias, entry] of Object.entries(config.models)) {
      for (const d of entry.deployments) {
        // A deployment whose provider is disabled cannot serve: marked, with the reason below the table.
        const name = disabled.has(d.provider) ? `${d.provider}/${d.model} (disabled)` : `${d.provider}/${d.model}`;
        rows.push([alias, name, ...priceCells(catalog.lookup(d.provider, typeOf(d.provider), d.model))]);
      }
    }
    for (const [name, provider] of Object.entries(config.providers)) {
      if (disabled.has(name)) {
        notes.push(`${name} is disabled: ${disabled.get(name)}`);
        continue;
      }
      let known = provider.models ?? [];
      if (options.remote) {
        const probe = await gateway.probe(name, 5000);
        // An unreachable provider is said, not shown as one that lists nothing.
        if (probe.ok) known = probe.models;
        else notes.push(`${name}: its model list could not be read (${probe.detail})`);
      }
      if (known.length === 0) rows.push(["", `${name}/<model>`, `(${provider.type})`, "", "", ""]);
      for (const model of known) rows.push(["", `${name}/${model}`, ...priceCells(catalog.lookup(name, provider.type, model))]);
    }
  } finally {
    await gateway.close();
  }
  console.log(`Routable models (${source}); prices in USD per 1M tokens, ~ = estimate, catalog ${catalog.version}\n`);
  printTable(["alias", "deployment", "input", "cached", "cache write", "output"], rows);
  if (notes.length > 0) console.log(`\n${notes.join("\n")}`);
}
