/**
 * `switchyard models`: every alias's deployments with prices; a deployment whose
 * provider is disabled is marked so, and why is said below the table (not in a
 * price column).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { runModels } from "./models.js";

afterEach(() => vi.restoreAllMocks());

it("lists aliases and declared models with prices, marking deployments of disabled providers", async () => {
  delete process.env.SY_MODELS_UNSET_KEY;
  const dir = mkdtempSync(join(tmpdir(), "sy-models-"));
  const file = join(dir, "switchyard.yaml");
  writeFileSync(
    file,
    [
      `storage: { url: "memory://" }`,
      `providers:`,
      `  openai: { type: openai, api_key: env:SY_MODELS_UNSET_KEY }`,
      `  local: { type: openai-compatible, base_url: "http://127.0.0.1:1/v1", models: [llama3] }`,
      `models:`,
      `  smart: { deployments: [{ provider: openai, model: gpt-4o }, { provider: local, model: llama3 }] }`,
      ``,
    ].join("\n"),
  );
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...parts) => void lines.push(...parts.join(" ").split("\n")));
  await runModels({ config: file });
  const row = (start: string) => lines.find((line) => line.includes(start))!.split(/\s{2,}/);
  const disabledRow = row("openai/gpt-4o (disabled)");
  expect(disabledRow.slice(0, 2)).toEqual(["smart", "openai/gpt-4o (disabled)"]);
  expect(Number(disabledRow[2])).toBeGreaterThan(0); // the price columns hold prices
  expect(lines.filter((line) => line.includes("local/llama3"))).toHaveLength(2);
  expect(lines.at(-1)).toMatch(/^openai is disabled: .*SY_MODELS_UNSET_KEY/);
  // No reason text inside the table.
  expect(lines.filter((line) => line.includes("disabled:"))).toEqual([lines.at(-1)]);
});

it("--remote says which providers' model lists could not be read, instead of listing nothing for them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sy-models-"));
  const file = join(dir, "switchyard.yaml");
  // Port 1 on loopback refuses at once.
  writeFileSync(file, [`storage: { url: "memory://" }`, `providers:`, `  down: { type: openai-compatible, base_url: "http://127.0.0.1:1/v1", models: [declared] }`, ``].join("\n"));
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...parts) => void lines.push(...parts.join(" ").split("\n")));
  await runModels({ config: file, remote: true });
  expect(lines.at(-1)).toMatch(/^down: its model list could not be read \(.*ECONNREFUSED.*\)$/);
  // The declared models still show.
  expect(lines.some((line) => line.includes("down/declared"))).toBe(true);
});

it("reads no storage: runs while the database is down, and leaves no SQLite file where it ran", async () => {
  const { existsSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "sy-models-"));
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...parts) => void lines.push(...parts.join(" ").split("\n")));
  const down = join(dir, "down.yaml");
  writeFileSync(down, [`storage: { url: "postgres://sy:pw@127.0.0.1:1/sy" }`, `providers:`, `  local: { type: openai-compatible, base_url: "http://127.0.0.1:1/v1", models: [llama3] }`, ``].join("\n"));
  await runModels({ config: down });
  expect(lines.some((line) => line.includes("local/llama3"))).toBe(true);
  const sqlite = join(dir, "sy.db");
  writeFileSync(join(dir, "sqlite.yaml"), `storage: { url: "sqlite://${sqlite}" }\n`);
  await runModels({ config: join(dir, "sqlite.yaml") });
  expect(existsSync(sqlite)).toBe(false);
});
