/**
 * Reads and validates the built-in price catalog (`data/prices.json`).
 *
 * The path is found by walking up from this module's directory to the package
 * root (the first directory holding both `package.json` and
 * `data/prices.json`), so it works from `src/accounting/` under vitest, from
 * `dist/accounting/` after `tsc -p tsconfig.build.json`, and from any deeper
 * output layout (`dist/src/accounting/`).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const price = z.number().nonnegative();

const tierSchema = z.object({
  above_input_tokens: z.number().int().nonnegative(),
  input: price.optional(),
  cached_input: price.optional(),
  cache_write: price.optional(),
  cache_write_1h: price.optional(),
  output: price.optional(),
});

const entrySchema = z.object({
  provider: z.string().min(1),
  model: z.string().min(1),
  aliases: z.array(z.string().min(1)).optional(),
  input: price,
  output: price,
  cached_input: price.optional(),
  cache_write: price.optional(),
  cache_write_1h: price.optional(),
  /** USD per 1,000 web searches (not per 1M tokens, the file's unit for the other prices). */
  web_search_per_1k: price.optional(),
  context_window: z.number().int().positive().optional(),
  max_output_tokens: z.number().int().positive().optional(),
  tiers: z.array(tierSchema).optional(),
  source: z.string(),
  checked: z.string(),
  status: z.enum(["current", "legacy", "unverified"]),
});

const fileSchema = z.object({
  version: z.string().min(1),
  as_of: z.string(),
  currency: z.literal("USD"),
  unit: z.literal("per_million_tokens"),
  notes: z.string().optional(),
  models: z.array(entrySchema),
});

/** One model of the built-in catalog, as written in the file. */
export type CatalogEntry = z.output<typeof entrySchema>;
export type CatalogFile = z.output<typeof fileSchema>;

/** Absolute path of `data/prices.json` in this package. */
export function builtinCatalogPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "data", "prices.json");
    if (existsSync(join(dir, "package.json")) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`price catalog data/prices.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Parses catalog JSON; a malformed file fails fast with the field path. */
export function parseCatalogFile(json: unknown, origin = "data/prices.json"): CatalogFile {
  const result = fileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${origin}: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid price catalog"}`);
  }
  return result.data;
}

let builtin: CatalogFile | undefined;

/** The shipped catalog, read from disk once per process (at first use, not at import). */
export function builtinCatalogFile(): CatalogFile {
  if (!builtin) {
    const path = builtinCatalogPath();
    builtin = parseCatalogFile(JSON.parse(readFileSync(path, "utf8")), path);
  }
  return builtin;
}
