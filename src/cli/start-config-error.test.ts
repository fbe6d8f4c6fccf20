/**
 * A config problem found only while the gateway is built (a master key whose
 * secret does not resolve) names the file it came from, as problems found
 * while the file is read do.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ConfigError } from "../config/load.js";
import { runStart } from "./start.js";

it("names the config file when server.master_key's secret does not resolve", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "sy-start-")), "switchyard.yaml");
  writeFileSync(file, 'server: { port: 0, master_key: "env:SWITCHYARD_TEST_UNSET_MASTER_KEY" }\nstorage: { url: "memory://" }\n');
  delete process.env.SWITCHYARD_TEST_UNSET_MASTER_KEY;
  const error = await runStart({ config: file }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toContain(`Invalid config (${file})`);
  expect((error as ConfigError).message).toContain("server.master_key: environment variable SWITCHYARD_TEST_UNSET_MASTER_KEY is not set");
});
