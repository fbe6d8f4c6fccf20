import { describe, expect, it } from "vitest";
import { SettleRetry, type Settle, type SettleLog } from "./settle-retry.js";
import { StateUnavailableError } from "./state-unavailable.js";

/** Records every line, by level. */
function recordingLog(): SettleLog & { lines: Array<{ level: string; fields: object; message: string }> } {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields, message });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

/** A store that fails while `down`, and records the settles it applied. */
function flakyStore() {
  const store = {
    down: true,
    refuse: false,
    sent: 0,
    applied: [] as Settle[],
    send: async (settle: Settle) => {
      store.sent++;
      await new Promise((resolve) => setImmediate(resolve));
      if (store.refuse) throw new Error("ERR script failed");
      if (store.down) throw new StateUnavailableError("connect ECONNREFUSED");
      store.applied.push(structuredClone(settle));
    },
  };
  return store;
}

const budget = (scope: string, reservedMicros: number, actualMicros: number): Settle => ({ op: "settleBudget", scope, period: "total", reservedMicros, actualMicros });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await sleep(5);
  expect(check()).toBe(true);
};

describe("SettleRetry", () => {
  it("retries kept settles with backoff until the store answers, merged per key, and logs the outage once", async () => {
    const store = flakyStore();
    const log = recordingLog();
    const retry = new SettleRetry(store.send, { log, firstDelayMs: 5, maxDelayMs: 20 });
    for (let i = 0; i < 50; i++) retry.keep(budget(`key-${i % 2}`, 100, 40));
    retry.keep({ op: "addTokens", scope: "key-0", tokens: 7, now: 1_000_000 });
    retry.keep({ op: "addTokens", scope: "key-0", tokens: 3, now: 1_000_400 });
    expect(retry.holding).toBe(true);
    expect(retry.size).toBe(52);
    await sleep(80);
    // Three entries (two budgets, one token second) go each time, whatever the number of requests.
    expect(store.sent % 3).toBe(0);
    expect(store.sent).toBeGreaterThanOrEqual(6);
    expect(store.sent).toBeLessThan(3 * 10); // backed off, not spinning
    expect(log.lines.filter((line) => line.level === "warn")).toEqual([
      { level: "warn", fields: { waiting: 52, reason: "state store unavailable: connect ECONNREFUSED" }, message: expect.stringContaining("52 budget and token settles wait") },
    ]);
    store.down = false;
    await until(() => !retry.holding);
    expect(store.applied).toEqual([budget("key-0", 2500, 1000), budget("key-1", 2500, 1000), { op: "addTokens", scope: "key-0", tokens: 10, now: 1_000_000 }]);
    expect(log.lines.at(-1)).toMatchObject({ level: "info", fields: { applied: 52 } });
    expect(log.lines.filter((line) => line.level === "warn")).toHaveLength(1);
    retry.close();
    expect(log.lines.filter((line) => line.level === "error")).toEqual([]);
  });

  it("retries at once when woken, and warns again for the next outage", async () => {
    const store = flakyStore();
    const log = recordingLog();
    const retry = new SettleRetry(store.send, { log, firstDelayMs: 5, maxDelayMs: 60_000 });
    retry.keep(budget("key", 1, 1));
    await until(() => log.lines.some((line) => line.level === "warn"));
    await sleep(30); // the backoff has grown past the test's patience
    store.down = false;
    retry.wake();
    await until(() => !retry.holding);
    store.down = true;
    retry.keep(budget("key", 1, 1));
    await until(() => log.lines.filter((line) => line.level === "warn").length === 2);
    retry.close();
  });

  it("drops settles past its bound and those the store refuses, logged at error with the count", async () => {
    const store = flakyStore();
    const log = recordingLog();
    const retry = new SettleRetry(store.send, { log, maxWaiting: 2, firstDelayMs: 5 });
    for (let i = 0; i < 5; i++) retry.keep(budget(`key-${i}`, 1, 1));
    retry.keep(budget("key-0", 1, 1)); // merges: no new entry
    expect(retry.size).toBe(3);
    await until(() => log.lines.some((line) => line.level === "error"));
    expect(log.lines.find((line) => line.level === "error")).toMatchObject({ fields: { dropped: 3 }, message: expect.stringContaining("2 budget periods and token seconds already wait") });
    store.refuse = true;
    await until(() => !retry.holding);
    await until(() => log.lines.filter((line) => line.level === "error").length === 2);
    expect(log.lines.filter((line) => line.level === "error")[1]).toMatchObject({ fields: { dropped: 3 }, message: expect.stringContaining("refused them: ERR script failed") });
    retry.close();
  });

  it("tries once more at close, then reports what it could not apply", async () => {
    const store = flakyStore();
    const log = recordingLog();
    const retry = new SettleRetry(store.send, { log, firstDelayMs: 60_000 });
    retry.keep(budget("a", 1, 1));
    retry.keep(budget("b", 1, 1));
    await retry.finalAttempt();
    expect(store.sent).toBe(2);
    retry.close();
    expect(log.lines.at(-1)).toMatchObject({ level: "error", fields: { notApplied: 2 } });
    // After close, a settle cannot wait: it is dropped and said so.
    retry.keep(budget("c", 1, 1));
    await until(() => log.lines.at(-1)?.message.includes("closed") === true && "dropped" in (log.lines.at(-1)?.fields ?? {}));

    const healthy = flakyStore();
    healthy.down = false;
    const quiet = recordingLog();
    const second = new SettleRetry(healthy.send, { log: quiet, firstDelayMs: 60_000 });
    second.keep(budget("a", 1, 1));
    await second.finalAttempt();
    second.close();
    expect(healthy.applied).toHaveLength(1);
    expect(quiet.lines.filter((line) => line.level === "error")).toEqual([]);
  });
});
