/**
 * PostgreSQL for tests: the server at SWITCHYARD_TEST_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/test, trust auth), one fresh schema per
 * store so runs and tests never see each other's rows. When the server is
 * not reachable the suites are skipped, with a warning saying so.
 *
 * ```ts
 * const available = await postgresAvailable();
 * const schemas = testSchemas();
 * afterAll(() => schemas.dropAll());
 * describe.skipIf(!available)("…", () => { … const { pool } = await schemas.create(); … });
 * ```
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPostgresPool } from "../../src/storage/postgres.js";

export const POSTGRES_TEST_URL = process.env.SWITCHYARD_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable SWITCHYARD_TEST_POSTGRES_URL)";
  }
}

let probe: Promise<boolean> | undefined;

/** Whether the test server answers; warns (once per file) when it does not. */
export function postgresAvailable(): Promise<boolean> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } catch (error) {
      console.warn(`PostgreSQL not reachable at ${shown(POSTGRES_TEST_URL)} (${error instanceof Error ? error.message : String(error)}): skipping the PostgreSQL tests`);
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probe;
}

export interface TestSchema {
  name: string;
  /** A URL whose connections use this schema (`?options=-c search_path=…`). */
  url: string;
  /** A new pool on this schema (ended by `dropAll`); `settings` are more `-c name=value` server options. */
  pool(settings?: string): pg.Pool;
}

export interface TestSchemas {
  create(): Promise<TestSchema>;
  /** Runs before the pools end and the schemas are dropped (flush and close stores). */
  onCleanup(task: () => unknown): void;
  dropAll(): Promise<void>;
}

export function testSchemas(): TestSchemas {
  const names: string[] = [];
  const pools: pg.Pool[] = [];
  const cleanups: Array<() => unknown> = [];
  return {
    async create() {
      const name = `sy_test_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA ${name}`);
      } finally {
        await admin.end();
      }
      names.push(name);
      const separator = POSTGRES_TEST_URL.includes("?") ? "&" : "?";
      return {
        name,
        url: `${POSTGRES_TEST_URL}${separator}options=${encodeURIComponent(`-c search_path=${name}`)}`,
        pool(settings) {
          const pool = createPostgresPool(POSTGRES_TEST_URL, { options: `-c search_path=${name}${settings ? ` ${settings}` : ""}`, max: 4 });
          pools.push(pool);
          return pool;
        },
      };
    },
    onCleanup(task) {
      cleanups.push(task);
    },
    async dropAll() {
      for (const task of cleanups.splice(0)) await Promise.resolve().then(task).catch(() => undefined);
      await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => undefined)));
      if (names.length === 0) return;
      const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await admin.connect();
      try {
        for (const name of names.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
