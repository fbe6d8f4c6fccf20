/**
 * Shutting down with PostgreSQL storage when a connection was left dead (a
 * failover or partition that sent no reset): the stores close within a
 * bounded time, instead of waiting for the kernel to give up on the socket.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/gateway/logger.js";
import { openStores } from "../src/gateway/stores.js";
import { POSTGRES_TEST_URL, postgresAvailable, testSchemas } from "./helpers/postgres.js";
import { startTcpProxy } from "./helpers/tcp-proxy.js";

const available = await postgresAvailable();
const schemas = testSchemas();
afterAll(() => schemas.dropAll());

describe.skipIf(!available)("PostgreSQL stores at shutdown", () => {
  it("close() ends even while a query hangs on a dead connection", async () => {
    const schema = await schemas.create();
    const server = new URL(POSTGRES_TEST_URL);
    const proxy = await startTcpProxy(Number(server.port || 5432), server.hostname);
    const url = new URL(schema.url);
    url.host = `127.0.0.1:${proxy.port}`;
    try {
      const stores = await openStores(url.toString(), "memory://", createLogger("silent"));
      proxy.stallOpenConnections();
      let answered = false;
      void stores.ledger.recent({ limit: 1 }).finally(() => (answered = true)).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered).toBe(false);
      const closed = stores.close().then(() => "closed");
      const outcome = await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000, "still closing"))]);
      expect(outcome).toBe("closed");
    } finally {
      await proxy.close();
    }
  }, 15_000);
});
