/**
 * `switchyard ledger import FILE…`: loads the rows a gateway saved to a
 * `switchyard-unsaved-ledger-*.jsonl` file at shutdown (its ledger store was
 * down) into the store of `storage.url`. Row ids are unique, so a row the store
 * has already (a batch that landed after all, a file imported twice) is left as
 * it is. A file with any line that is not a ledger row is refused whole, before
 * anything is written, with the line's number.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { LedgerRow } from "../accounting/ledger-row.js";
import { openLedgerStore } from "../accounting/open-store.js";
import { loadStartupConfig } from "../config/load.js";

/** Rows per insert: one transaction each, as the gateway's own writer does. */
const BATCH = 500;

const count = z.number().int().nonnegative();
const rowSchema = z.strictObject({
  id: z.string().min(1),
  // Rows saved before the column existed lack it: the row id is then the request id.
  request_id: z.string().min(1).nullish(),
  ts: z.number().int().nonnegative(),
  key_id: z.string().nullable(),
  requested_model: z.string(),
  provider: z.string(),
  model: z.string(),
  status: z.number().int().min(100).max(599),
  error_kind: z.string().nullable(),
  attempts: count,
  route: z.string(),
  stream: z.boolean(),
  input_tokens: count,
  cached_tokens: count,
  cache_write_tokens: count,
  output_tokens: count,
  reasoning_tokens: count,
  cost_usd: z.number().nonnegative().nullable(),
  unpriced: z.boolean(),
  estimated: z.boolean(),
  price_version: z.string(),
  latency_ms: z.number().nonnegative(),
  ttft_ms: z.number().nonnegative().nullable(),
});

/** The rows of one saved file; throws naming the first line that is not a ledger row. */
export function readSavedRows(file: string): LedgerRow[] {
  const rows: LedgerRow[] = [];
  const lines = readFileSync(file, "utf8").split("\n");
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${index + 1}: not JSON; nothing was imported`);
    }
    const result = rowSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
      throw new Error(`${file}:${index + 1}: not a ledger row (${where}${issue.message}); nothing was imported`);
    }
    const row = result.data;
    rows.push({ ...row, request_id: row.request_id ?? row.id });
  }
  return rows;
}

export async function runLedgerImport(files: string[], options: { config?: string }): Promise<void> {
  const { config } = loadStartupConfig(options.config);
  if (config.storage.url.startsWith("memory")) throw new Error("storage.url is memory://: there is no ledger to import into");
  // Every file is read and checked before the first row is written.
  const perFile = files.map((file) => ({ file, rows: readSavedRows(file) }));
  const store = await openLedgerStore(config.storage.url);
  try {
    for (const { file, rows } of perFile) {
      let added = 0;
      for (let at = 0; at < rows.length; at += BATCH) added += (await store.insert(rows.slice(at, at + BATCH))) ?? 0;
      const skipped = rows.length - added;
      console.log(`${file}: ${added} of ${rows.length} rows imported${skipped > 0 ? ` (${skipped} were in the ledger already)` : ""}`);
    }
  } finally {
    await store.close();
  }
}
