/**
 * What `npm pack` ships: everything the installed package reads at run time
 * (its entry points, the price catalog, the dashboard's files), nothing of the
 * repository's own (sources, tests, databases, secrets), no build output left
 * over from a deleted source, and public type declarations that resolve with
 * only the package's `dependencies` installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_MODULES } from "../src/gateway/http/dashboard.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  main: string;
  types: string;
  exports: Record<string, Record<string, string>>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The packed file list, from the dist/ on disk (`npm test` builds first); scripts off so nothing rebuilds. */
function packedFiles(): Set<string> {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return new Set(pack!.files.map((file) => file.path));
}

/** Module specifiers a declaration file imports (`from "x"`, `import("x")`). */
function importsOf(declaration: string): string[] {
  return [...declaration.matchAll(/(?:from\s+|import\()"([^"]+)"/g)].map((match) => match[1]!);
}

/** `pino`, `@scope/name` from a bare specifier such as `@scope/name/sub`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

describe("the packed package", () => {
  let files: Set<string>;
  beforeAll(() => {
    if (!existsSync(join(ROOT, "dist/index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
    files = packedFiles();
  });

  it("holds every entry point package.json names", () => {
    const entries = [...Object.values(manifest.bin), manifest.main, manifest.types, ...Object.values(manifest.exports).flatMap((conditions) => Object.values(conditions))];
    for (const entry of entries) expect(files, entry).toContain(posix.normalize(entry));
    expect(files).toContain("dist/cli/main.js"); // what bin/switchyard.js imports
    expect(files).toContain("LICENSE"); // package.json says MIT: the text ships with it
  });

  it("holds the data read at run time: the price catalog and every dashboard file", () => {
    expect(files).toContain("data/prices.json");
    for (const asset of ["index.html", "app.css", ...DASHBOARD_MODULES]) expect(files, asset).toContain(`data/dashboard/${asset}`);
  });

  it("holds nothing of the repository's own", () => {
    const leaked = [...files].filter((file) => /^(src|test|bench|scripts)\//.test(file) || /\.test\.|\.db(-wal|-shm)?$|\.tgz$|(^|\/)\.env|\.jsonl$/.test(file));
    expect(leaked).toEqual([]);
  });

  it("holds no build output whose source is gone (tsc never deletes; the build empties dist/ first)", () => {
    const orphans = [...files].filter((file) => file.startsWith("dist/") && !existsSync(join(ROOT, "src", file.slice(5).replace(/(\.d\.ts|\.js\.map|\.js)$/, ".ts"))));
    expect(orphans).toEqual([]);
  });

  it("has public declarations that resolve inside the package or to a dependency with its own types", () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      if (!files.has(file)) return void problems.push(`${file} is not packed`);
      for (const specifier of importsOf(readFileSync(join(ROOT, file), "utf8"))) {
        if (specifier.startsWith(".")) visit(posix.join(dirname(file), specifier.replace(/\.js$/, ".d.ts")));
        else if (specifier.startsWith("node:")) continue;
        else if (!manifest.dependencies[packageName(specifier)]) problems.push(`${file} imports ${specifier}, which is not a dependency`);
        // A dependency typed only by a devDependency's @types package has no types for the user.
        else if (manifest.devDependencies[`@types/${packageName(specifier)}`]) problems.push(`${file} imports ${specifier}, typed only by a devDependency`);
      }
    };
    visit(manifest.types);
    expect(problems).toEqual([]);
    expect(seen.size).toBeGreaterThan(5);
  });
});
