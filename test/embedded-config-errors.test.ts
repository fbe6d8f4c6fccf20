/**
 * Config problems reach an embedder as the exported ConfigError, whichever step
 * finds them (the schema, a reference between parts, the master key's secret,
 * a reload), so `instanceof ConfigError` tells them apart from a failed call.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, createGateway } from "../src/index.js";
import { createLogger } from "../src/gateway/logger.js";

const logger = createLogger("silent");

describe("config errors of the embedded API", () => {
  it("an unresolvable master key is a ConfigError naming the key path", async () => {
    const attempt = createGateway({ config: { storage: { url: "memory://" }, server: { master_key: "env:SY_TEST_UNSET_MASTER_KEY_4d2" } }, logger });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/server\.master_key: environment variable SY_TEST_UNSET_MASTER_KEY_4d2 is not set/);
  });

  it("a reload that drops the master key is a ConfigError, and the old config keeps serving", async () => {
    const gateway = await createGateway({ config: { storage: { url: "memory://" }, server: { master_key: "sk-master-config-errors-0001" } }, logger });
    try {
      const reload = gateway.reload({ storage: { url: "memory://" } });
      await expect(reload).rejects.toBeInstanceOf(ConfigError);
      await expect(reload).rejects.toThrow(/master_key cannot be removed by a reload/);
      expect((await gateway.fetch("http://gw/admin/keys")).status).toBe(401);
    } finally {
      await gateway.close();
    }
  });

  it("schema and reference problems are ConfigErrors too", async () => {
    await expect(createGateway({ config: { providers: { openai: { type: "openai", colour: "red" } } } as never, logger })).rejects.toBeInstanceOf(ConfigError);
    await expect(createGateway({ config: { storage: { url: "memory://" }, models: { smart: { deployments: [{ provider: "opnai", model: "x" }] } } }, logger })).rejects.toBeInstanceOf(ConfigError);
  });
});
