/** Accounting: price catalog, cost, token estimates, ledger, savings. */
export { builtinCatalogPath, type CatalogEntry } from "./catalog-file.js";
export { computeCost, effectivePrice, priceUsage, worstCaseCost, type EffectivePrice, type PricedUsage } from "./cost.js";
export { estimateCompletionTokens, estimatePromptTokens, preloadTokenizer, type PromptEstimateOptions } from "./estimate.js";
export type { LedgerRow } from "./ledger-row.js";
export type { LedgerStore, RecentQuery, SpendGroupBy, SpendQuery, SpendRow } from "./ledger-store.js";
export { LedgerWriter, type DropReason, type LedgerWriterEvent, type LedgerWriterOptions, type LedgerWriterStats } from "./ledger-writer.js";
export { MemoryLedgerStore } from "./memory-store.js";
export { openLedgerStore } from "./open-store.js";
export { PriceCatalog, type CatalogListing } from "./price-catalog.js";
export type { PriceEntry, PriceOrigin, PriceOverride, PriceOverrides, PriceQuote, PriceTier } from "./price-entry.js";
export { computeSavings, DEFAULT_MARKUP_PERCENTS, type MarkupComparison, type SavingsGroup, type SavingsOptions, type SavingsReport, type TieredRoutingComparison } from "./savings.js";
export { SqliteLedgerStore } from "./sqlite-store.js";
