import { describe, expect, it } from "vitest";
import { NEVER_CANCELLED } from "../core/cancel-signal.js";
import { Redactor } from "../core/redact.js";
import { handleAdmin } from "./http/handler.js";
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
