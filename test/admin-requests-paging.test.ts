/**
 * `GET /admin/requests` pages back through the ledger: under load many rows share
 * a millisecond, and paging by `before` (a time) alone skips those that did not fit
 * on the previous page. `before_id` (the previous page's last row) continues exactly.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { call, chatBody, startHarness, type Harness } from "./helpers/governance-harness.js";

describe("GET /admin/requests paging", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      config: (upstream) => ({
        storage: { url: "sqlite::memory:" },
        providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: "prov-canary-paging", models: ["gpt-fake"] } },
      }),
    });
    // Every row in one of two milliseconds, as under load.
    const now = vi.spyOn(Date, "now");
    let calls = 0;
    now.mockImplementation(() => 1_800_000_000_000 + (calls++ % 2));
    try {
      const results = await Promise.all(Array.from({ length: 120 }, () => call(h, "POST", "/v1/chat/completions", { body: chatBody("fake/gpt-fake") })));
      expect(results.every((r) => r.status === 200)).toBe(true);
    } finally {
      now.mockRestore();
    }
  });
  afterAll(() => h?.close());

  it("with before and before_id visits every row once, newest first", async () => {
    const seen: Array<{ id: string; ts: number }> = [];
    let query = "";
    for (let pages = 0; pages < 100; pages++) {
      const page = await call(h, "GET", `/admin/requests?limit=7${query}`);
      expect(page.status).toBe(200);
      const rows = page.json.data as Array<{ id: string; ts: number }>;
      if (rows.length === 0) break;
      seen.push(...rows);
      const last = rows[rows.length - 1]!;
      query = `&before=${last.ts}&before_id=${encodeURIComponent(last.id)}`;
    }
    expect(new Set(seen.map((row) => row.id)).size).toBe(120);
    expect(seen).toHaveLength(120);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.ts).toBeLessThanOrEqual(seen[i - 1]!.ts);
  });

  it("refuses a before_id without before, or one that is no row id, with 400 in OpenAI's shape", async () => {
    const alone = await call(h, "GET", "/admin/requests?before_id=abc");
    expect(alone.status).toBe(400);
    expect(alone.json.error).toMatchObject({ type: "invalid_request_error", param: "before" });
    const odd = await call(h, "GET", `/admin/requests?before=${Date.now()}&before_id=${encodeURIComponent("x' OR 1=1")}`);
    expect(odd.status).toBe(400);
    expect(odd.json.error).toMatchObject({ type: "invalid_request_error", param: "before_id" });
  });
});

describe("GET /admin/audit paging", () => {
  const MASTER = "sy-master-audit-paging-0a1b2c3d4e";
  process.env.SY_TEST_AUDIT_PAGING_MASTER = MASTER;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      master: MASTER,
      config: (upstream) => ({
        server: { master_key: "env:SY_TEST_AUDIT_PAGING_MASTER" },
        storage: { url: "sqlite::memory:" },
        providers: { fake: { type: "openai-compatible", base_url: upstream.baseUrl } },
      }),
    });
    // Denied requests, every one in one of two milliseconds, as a burst of bad keys makes them.
    const now = vi.spyOn(Date, "now");
    let calls = 0;
    now.mockImplementation(() => 1_800_000_000_000 + (calls++ % 2));
    try {
      for (let i = 0; i < 15; i++) expect((await call(h, "POST", "/admin/keys", { body: { name: `k${i}` } })).status).toBe(201);
    } finally {
      now.mockRestore();
    }
  });
  afterAll(() => h?.close());

  it("with before and before_id visits every event once", async () => {
    const seen: string[] = [];
    let query = "";
    for (let pages = 0; pages < 100; pages++) {
      const page = await call(h, "GET", `/admin/audit?action=key.created&limit=4${query}`);
      expect(page.status).toBe(200);
      const events = page.json.data as Array<{ id: string; ts: number }>;
      if (events.length === 0) break;
      seen.push(...events.map((event) => event.id));
      const last = events[events.length - 1]!;
      query = `&before=${last.ts}&before_id=${encodeURIComponent(last.id)}`;
    }
    expect(seen).toHaveLength(15);
    expect(new Set(seen).size).toBe(15);
  });
});
