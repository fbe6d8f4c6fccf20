import { describe, expect, it } from "vitest";
import { NEVER_CANCELLED } from "../core/cancel-signal.js";
import { Redactor } from "../core/redact.js";
import { handleAdmin } from "./http/handler.js";
import { parseEnd, parseTime } from "./reports.js";
import type { Runtime } from "./runtime.js";

/** A runtime whose database refuses every read, as while PostgreSQL is unreachable. */
function runtimeWithStorageDown(): Runtime {
  const down = () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));
  return {
    ledger: { flush: async () => undefined },
    stores: { ledger: { spend: down, recent: down }, audit: { list: down } },
    redactor: new Redactor(),
  } as unknown as Runtime;
}

const get = (path: string) => {
  const url = new URL(path, "http://gateway");
  return { method: "GET", path: url.pathname, query: url.searchParams, headers: {}, body: undefined, signal: NEVER_CANCELLED };
};

describe("admin reports while the database is down", () => {
  it.each(["/admin/spend?group_by=day", "/admin/requests?limit=5", "/admin/audit", "/admin/savings"])("%s is a 503 storage_unavailable, not a 500", async (path) => {
    const reply = await handleAdmin(runtimeWithStorageDown(), get(path));
    expect(reply.status).toBe(503);
    const body = JSON.parse(reply.body as string);
    expect(body.error).toMatchObject({ type: "server_error", code: "storage_unavailable" });
    expect(body.error.message).not.toContain("5432");
  });
});

describe("from, to and before", () => {
  const now = Date.UTC(2026, 11, 8, 12);

  it("take ISO dates and date-times (UTC unless they say otherwise), epoch milliseconds and spans", () => {
    expect(parseTime("2026-12-01", "from", now)).toBe(Date.UTC(2026, 11, 1));
    expect(parseTime("2026-12-01T10:30:00", "from", now)).toBe(Date.UTC(2026, 11, 1, 10, 30));
    expect(parseTime("2026-12-01 10:30", "from", now)).toBe(Date.UTC(2026, 11, 1, 10, 30));
    expect(parseTime("2026-12-01T10:30:00Z", "from", now)).toBe(Date.UTC(2026, 11, 1, 10, 30));
    expect(parseTime("2026-12-01T10:30:00.250+02:00", "from", now)).toBe(Date.UTC(2026, 11, 1, 8, 30, 0, 250));
    expect(parseTime("1796083200000", "from", now)).toBe(1796083200000);
    expect(parseTime("7d", "from", now)).toBe(now - 7 * 86_400_000);
    expect(parseEnd("2026-12-01", "to", now)).toBe(Date.UTC(2026, 11, 2));
  });

  it.each(["-5", "+1", "1.5", "hello 2020", "Dec 1 2026", "2026-12-01 garbage", "2026-13-45", "2026-12-01T25:00:00Z", "7 d"])("refuse %j with a 400 naming the parameter", (value) => {
    expect(() => parseTime(value, "from", now)).toThrow(expect.objectContaining({ status: 400, param: "from" }));
  });
});

describe("limit", () => {
  it.each(["0x10", "1e2", " 5", "5.0", "+5", "0", "1001"])("refuses %j with a 400 on /admin/requests and /admin/audit", async (limit) => {
    for (const path of ["/admin/requests", "/admin/audit"]) {
      const reply = await handleAdmin(runtimeWithStorageDown(), get(`${path}?limit=${encodeURIComponent(limit)}`));
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.body as string).error).toMatchObject({ type: "invalid_request_error", param: "limit" });
    }
  });
});
