/**
 * watchFileChanges: the config watch keeps firing however the file is replaced,
 * since each of these puts a new inode at the path that a plain fs.watch would
 * no longer see.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { watchFileChanges } from "./file-watch.js";

const DEBOUNCE_MS = 50;
let stop = () => {};
afterEach(() => stop());

function watched(file: string) {
  const seen = { changes: 0, errors: [] as Error[] };
  stop = watchFileChanges(file, DEBOUNCE_MS, () => seen.changes++, (error) => seen.errors.push(error));
  return seen;
}

it("fires for in-place writes and for every rename over the file", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "sy-watch-")), "switchyard.yaml");
  writeFileSync(file, "v0");
  const seen = watched(file);
  writeFileSync(file, "v1");
  await expect.poll(() => seen.changes).toBe(1);
  for (let i = 2; i <= 6; i++) {
    writeFileSync(`${file}.tmp`, `v${i}`);
    renameSync(`${file}.tmp`, file);
    await expect.poll(() => seen.changes).toBe(i);
  }
  expect(seen.errors).toEqual([]);
});

it("waits out a save that removes the file before writing the new one", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "sy-watch-")), "switchyard.yaml");
  writeFileSync(file, "v0");
  const seen = watched(file);
  unlinkSync(file);
  await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 4));
  expect(seen.changes).toBe(0);
  writeFileSync(file, "v1");
  await expect.poll(() => seen.changes).toBe(1);
  writeFileSync(file, "v2");
  await expect.poll(() => seen.changes).toBe(2);
});

it("follows a Kubernetes ConfigMap swap (the path is a symlink through ..data)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-watch-"));
  const version = (n: number) => {
    mkdirSync(join(dir, `..v${n}`));
    writeFileSync(join(dir, `..v${n}`, "switchyard.yaml"), `v${n}`);
    symlinkSync(`..v${n}`, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    if (n > 0) rmSync(join(dir, `..v${n - 1}`), { recursive: true });
  };
  version(0);
  const file = join(dir, "switchyard.yaml");
  symlinkSync("..data/switchyard.yaml", file);
  const seen = watched(file);
  for (let n = 1; n <= 3; n++) {
    version(n);
    await expect.poll(() => seen.changes).toBe(n);
  }
});
