/**
 * Flag parsing of `switchyard start` and `demo`: a malformed number stops the
 * command with exit 2 and a message naming the flag, instead of running with a
 * guess (`--port 4704x` on 4704, `--workers abc` as one process).
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { main } from "./main.js";
import { runCluster } from "./cluster.js";
import { runStart } from "./start.js";

vi.mock("./start.js", () => ({ runStart: vi.fn(async () => undefined) }));
vi.mock("./cluster.js", () => ({ runCluster: vi.fn(async () => undefined) }));
vi.mock("./demo.js", () => ({ runDemo: vi.fn(async () => undefined) }));

/** Stands in for process.exit, which would end the test run. */
class Exited extends Error {}

let stderr = "";
beforeEach(() => {
  stderr = "";
  vi.clearAllMocks();
  vi.spyOn(process, "exit").mockImplementation(() => {
    throw new Exited();
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  vi.spyOn(console, "error").mockImplementation((...parts) => void (stderr += `${parts.join(" ")}\n`));
});
afterEach(() => vi.restoreAllMocks());

/** Runs the CLI; resolves with the first exit code it asked for (undefined when it returned normally). */
async function run(...args: string[]): Promise<number | undefined> {
  try {
    await main(["node", "switchyard", ...args]);
    return undefined;
  } catch (error) {
    if (!(error instanceof Exited)) throw error;
    // main's own catch sees the first (mocked) exit as an error and exits again: the first one is the answer.
    const [[code]] = vi.mocked(process.exit).mock.calls as [[number | undefined]];
    return code;
  }
}

it.each([
  [["start", "--port", "4704x"], "--port"],
  [["start", "--port", "abc"], "--port"],
  [["start", "--port", "70000"], "--port"],
  [["start", "--port", "-1"], "--port"],
  [["start", "--port", "80.5"], "--port"],
  [["start", "--workers", "abc"], "--workers"],
  [["start", "--workers", "2x"], "--workers"],
  [["start", "--workers", "0"], "--workers"],
  [["demo", "--port", "4704x"], "--port"],
  [["demo", "--requests", "ten"], "--requests"],
  [["spend", "--by", "bogus"], "--by"],
])("rejects %j with exit 2 naming %s", async (args, flag) => {
  expect(await run(...args)).toBe(2);
  expect(stderr).toContain(flag);
  expect(stderr).not.toContain("Invalid config");
  expect(runStart).not.toHaveBeenCalled();
  expect(runCluster).not.toHaveBeenCalled();
});

it.each([
  [["bogus"], "unknown command 'bogus'"],
  [["start", "--prot", "4000"], "unknown option '--prot'"],
  [["keys", "create"], "required option '--name <name>' not specified"],
  [["keys", "revoke"], "missing required argument 'id'"],
  [["start", "--config"], "argument missing"],
])("ends the wrong command line %j with exit 2, as a malformed number", async (args, message) => {
  expect(await run(...args)).toBe(2);
  expect(stderr).toContain(message);
  expect(runStart).not.toHaveBeenCalled();
});

it("prints help with exit 0", async () => {
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  expect(await run("start", "--help")).toBe(0);
  expect(runStart).not.toHaveBeenCalled();
});

it("passes well-formed numbers through", async () => {
  expect(await run("start", "--port", "4904")).toBeUndefined();
  expect(runStart).toHaveBeenLastCalledWith(expect.objectContaining({ port: 4904 }));
  expect(await run("start", "--port", "0", "--workers", "3")).toBeUndefined();
  expect(runCluster).toHaveBeenLastCalledWith(expect.objectContaining({ port: 0 }), 3);
});

it("prints the package's version with --version and exits 0", async () => {
  let stdout = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  expect(await run("--version")).toBe(0);
  expect(stdout.trim()).toBe(version);
});
