import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const compiled = fileURLToPath(new URL("../../dist/server/heap-growth.js", import.meta.url));

/**
 * In a fresh process: keep ≈ 26 MB alive, collect, then keep ≈ 80 % more while
 * counting full collections. Prints that count.
 */
const CHILD = `
import { PerformanceObserver, constants } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
const { setOldGenerationGrowth } = await import(process.argv[1]);
setOldGenerationGrowth(Number(process.argv[2]));
const kept = [];
const chunk = () => { const a = []; for (let i = 0; i < 8192; i++) a.push({ i, s: "x" + i }); return a; };
for (let i = 0; i < 40; i++) kept.push(chunk());
globalThis.gc();
const live = getHeapStatistics().used_heap_size;
let full = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++; }).observe({ entryTypes: ["gc"] });
for (let grown = 0; grown < live * 0.8; grown += 8192 * 64) { kept.push(chunk()); await new Promise((r) => setImmediate(r)); }
await new Promise((r) => setTimeout(r, 100));
console.log(full);
`;

async function fullCollections(percent: number): Promise<number> {
  const { stdout } = await run(process.execPath, ["--expose-gc", "--input-type=module", "-e", CHILD, pathToFileURL(compiled).href, String(percent)]);
  return Number(stdout.trim());
}

describe.skipIf(!existsSync(compiled))("setOldGenerationGrowth (compiled build)", () => {
  it("is honoured by V8 at run time: a small growth brings a full collection where 150 % brings none", async () => {
    const tight = await fullCollections(1);
    const roomy = await fullCollections(150);
    expect(tight).toBeGreaterThanOrEqual(1);
    expect(roomy).toBe(0);
  });
});
