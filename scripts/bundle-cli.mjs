// Bundles the `switchyard` command into dist/bin/switchyard.js, after tsc has built dist/.
// One file instead of ~300 (Switchyard's modules, zod's, yaml's, commander's) leaves a started
// gateway ≈ 4 MB smaller, as Node's module loader keeps memory for every module it loads.
// The embedded API (dist/index.js) stays unbundled: an application bundles it its own way.
import { build } from "rolldown";

/** Loaded from node_modules at run time: a native addon, drivers imported only when configured, and packages read through createRequire. */
const EXTERNAL = ["better-sqlite3", "pg", "ioredis", "pino", "prom-client", "undici", "gpt-tokenizer"];

await build({
  input: "dist/cli/main.js",
  platform: "node",
  logLevel: "warn",
  external: (id) => EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`)),
  output: { dir: "dist/bin", format: "esm", entryFileNames: "switchyard.js", sourcemap: true },
});
