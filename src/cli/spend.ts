/**
 * `switchyard spend`: spend from the ledger in `storage.url`, grouped, and the
 * savings report against markup gateways and single-model routing.
 */
import { loadStartupConfig } from "../config/load.js";
import { createGateway } from "../gateway/gateway.js";
import { createLogger } from "../gateway/logger.js";
import { storesOnly } from "./offline-gateway.js";
import { parseTime } from "../gateway/reports.js";
import { printTable, usd } from "./table.js";

export async function runSpend(options: { config?: string; by?: string; since?: string; savings?: boolean }): Promise<void> {
  const { config } = loadStartupConfig(options.config);
  if (config.storage.url.startsWith("memory")) throw new Error("storage.url is memory://: there is no ledger to read");
  const gateway = await createGateway({ config: storesOnly(config), logger: createLogger("error") });
  try {
    const from = parseTime(options.since ?? "30d", "since");
    const by = options.by ?? "model";
    const rows = await gateway.reports.spend(by, from);
    console.log(`Spend since ${new Date(from!).toISOString().slice(0, 10)} by ${by}:`);
    // Only key groups can be null (requests without a virtual key); the stores name requests refused before routing.
    const nullGroup = by === "key" ? "(no key)" : "(none)";
    printTable(
      ["group", "requests", "input", "cached", "output", "cost", "unpriced"],
      rows.map((r) => [r.group ?? nullGroup, r.requests, r.input_tokens, r.cached_tokens, r.output_tokens, usd(r.cost_usd), r.unpriced_requests]),
    );
    const total = rows.reduce((sum, r) => sum + r.cost_usd, 0);
    console.log(`total ${usd(total)}`);
    if (options.savings) {
      const report = await gateway.reports.savings(from);
      console.log(`\nPaid at wholesale: ${usd(report.wholesaleUsd)} over ${report.requests} requests (${report.unpricedRequests} unpriced)`);
      for (const m of report.markup) console.log(`  through a ${m.percent}% markup gateway: ${usd(m.costUsd)} (saved ${usd(m.savedUsd)})`);
      const tiered = report.tieredRouting;
      if (tiered) {
        console.log(`  everything on ${tiered.referenceModel}: ${usd(tiered.allOnReferenceUsd)} (tiered routing saved ${usd(tiered.savedUsd)})`);
        if (tiered.excludedGroups.length > 0) console.log(`  (left out of that comparison, having unpriced requests: ${tiered.excludedGroups.join(", ")})`);
      }
    }
  } finally {
    await gateway.close();
  }
}
