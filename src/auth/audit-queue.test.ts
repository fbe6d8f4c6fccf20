import { describe, expect, it } from "vitest";
import { openSqlite } from "../storage/sqlite.js";
import { MAX_DENIALS_PER_SECOND } from "./audit-queue.js";
import { SqliteAuditStore } from "./sqlite-audit-store.js";

const denied = (n: number) => ({ actor: "system", action: "request.denied" as const, key_prefix: null, target: "/v1/chat/completions", reason: `Invalid API key ${n}`, status: 401, request_id: null });

describe("denied requests in the audit log", () => {
  it("a flood is recorded one by one up to a limit a second, then summed up in one event: the store does not grow at its rate", async () => {
    let now = 1_000_000;
    const store = new SqliteAuditStore(openSqlite(), { now: () => now });
    for (let i = 0; i < 1_000; i++) store.record(denied(i));
    store.record({ actor: "master", action: "key.created", key_prefix: null, target: "key_1", reason: null, status: null, request_id: null });
    now += 1_000;
    store.record(denied(1_000));
    const events = await store.list({ limit: 1_000 });
    expect(events.filter((e) => e.action === "key.created")).toHaveLength(1);
    expect(events.filter((e) => e.status === 401)).toHaveLength(MAX_DENIALS_PER_SECOND + 1);
    expect(events.map((e) => e.reason)).toContain(`${1_000 - MAX_DENIALS_PER_SECOND} more denied requests were not recorded one by one (over ${MAX_DENIALS_PER_SECOND} a second)`);
    store.close();
  });

  it("sums up the last second of a flood once that second is over, with no denial after it, and at close", async () => {
    let now = 2_000_990;
    const store = new SqliteAuditStore(openSqlite(), { now: () => now, flushDelayMs: 1 });
    for (let i = 0; i < 50; i++) store.record(denied(i));
    now += 20;
    const summaries = async () => (await store.list({ limit: 1_000 })).filter((e) => e.reason?.includes("were not recorded one by one"));
    await expect.poll(async () => (await summaries()).map((e) => e.reason), { timeout: 2_000 }).toEqual([`30 more denied requests were not recorded one by one (over ${MAX_DENIALS_PER_SECOND} a second)`]);
    for (let i = 0; i < 25; i++) store.record(denied(i));
    store.close();
    await expect.poll(async () => (await summaries()).length, { timeout: 2_000 }).toBe(2);
  });
});
