/**
 * The `switchyard` command runs from one bundle (scripts/bundle-cli.mjs, run by `npm run build`).
 * What the bundle still imports at run time must be a runtime dependency, or an install without
 * devDependencies would fail at start; what it inlines must not be read from node_modules again.
 */
import { builtinModules } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

const BUNDLE_DIR = "dist/bin";
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };

/** Package names of the bare specifiers in static imports, dynamic imports and calls of `createRequire`'s require (renamed by the bundler). */
function importedPackages(code: string): Set<string> {
  const names = new Set<string>();
  for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|[\w$]*require[\w$]*\s*\(\s*|createRequire\(import\.meta\.url\)\(\s*)"([@\w][\w@/.+-]*)"/g)) {
    const specifier = match[1]!;
    if (specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
    const parts = specifier.split("/");
    names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
  }
  return names;
}

it("leaves only runtime dependencies to node_modules, and inlines the rest", () => {
  const files = readdirSync(BUNDLE_DIR).filter((name) => name.endsWith(".js"));
  expect(files).toContain("switchyard.js");
  const imported = new Set(files.flatMap((name) => [...importedPackages(readFileSync(join(BUNDLE_DIR, name), "utf8"))]));
  for (const name of imported) expect(Object.keys(pkg.dependencies), `the bundle imports ${name}`).toContain(name);
  // Many small modules each: inlined, they cost the started gateway no loader memory.
  for (const inlined of ["zod", "yaml", "commander", "eventsource-parser"]) expect(imported).not.toContain(inlined);
  for (const external of ["pino", "undici", "prom-client", "better-sqlite3"]) expect(imported).toContain(external);
});
