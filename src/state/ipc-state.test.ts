import { fork } from "node:child_process";
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { IpcStateStore, serveState, type Channel } from "./ipc-state.js";
import { MemoryStateStore } from "./memory-state.js";
import type { SettleLog } from "./settle-retry.js";
import type { LossCheckListener } from "./state-store.js";
import { StateUnavailableError } from "./state-unavailable.js";

/** Two ends of an in-memory channel that deliver asynchronously, like IPC; `sent` counts each end's messages. */
function pipe(): [Channel, Channel, { worker: unknown[]; primary: unknown[] }] {
  const a = new EventEmitter();
  const b = new EventEmitter();
  const sent = { worker: [] as unknown[], primary: [] as unknown[] };
  const end = (self: EventEmitter, other: EventEmitter, log: unknown[]): Channel => ({
    send: (message, callback) => {
      log.push(message);
      setImmediate(() => {
        other.emit("message", structuredClone(message));
        callback(null);
      });
    },
    on: (event, listener) => self.on(event, listener),
    off: (event, listener) => self.off(event, listener),
  });
  return [end(a, b, sent.worker), end(b, a, sent.primary), sent];
}

/** A channel whose other end is gone: every send reports ERR_IPC_CHANNEL_CLOSED to its callback, as Node's does. */
const closedChannel = (): Channel => ({
  send: (_message, callback) => process.nextTick(callback, Object.assign(new Error("Channel closed"), { code: "ERR_IPC_CHANNEL_CLOSED" })),
  on: () => undefined,
  off: () => undefined,
});

/** A pipe whose worker end fails every send while `broken` is set. */
function breakablePipe(): { worker: Channel; primary: Channel; state: { broken: boolean } } {
  const [worker, primary] = pipe();
  const state = { broken: false };
  return {
    worker: {
      ...worker,
      send: (message, callback) => (state.broken ? process.nextTick(callback, new Error("write EPIPE")) : worker.send(message, callback)),
    },
    primary,
    state,
  };
}

function recordingLog(): SettleLog & { lines: Array<{ level: string; fields: object; message: string }> } {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields, message });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
};

describe("IpcStateStore", () => {
  it("keeps one budget exact across several workers", async () => {
    const shared = new MemoryStateStore();
    const workers = Array.from({ length: 4 }, () => {
      const [workerEnd, primaryEnd] = pipe();
      serveState(shared, primaryEnd);
      return new IpcStateStore(workerEnd);
    });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => workers[i % 4]!.reserveBudget("key", "total", 7, 300)));
    expect(results.filter((r) => r.ok)).toHaveLength(42); // floor(300 / 7)
    expect(await shared.budgetUsage("key", "total")).toEqual({ spentMicros: 0, reservedMicros: 294 });
    const decisions = await Promise.all(Array.from({ length: 10 }, (_, i) => workers[i % 4]!.takeRequest("key", 5, 1_000_000)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    await Promise.all(workers.map((w) => w.close()));
  });

  it("sends the calls of one turn as one message, and the primary answers them in one", async () => {
    const [workerEnd, primaryEnd, sent] = pipe();
    serveState(new MemoryStateStore(), primaryEnd);
    const store = new IpcStateStore(workerEnd);
    const [requests, tokens, budget] = await Promise.all([
      store.takeRequest("key", 5, 1_000_000),
      store.checkTokens("key", 100, 1_000_000),
      store.reserveBudget("key", "total", 7, 10),
    ]);
    expect([requests.allowed, tokens.allowed, budget.ok]).toEqual([true, true, true]);
    expect(sent.worker).toHaveLength(1);
    expect(sent.primary).toHaveLength(1);
    // The next turn is a message of its own; answers find their calls by id.
    expect((await store.reserveBudget("key", "total", 7, 10)).ok).toBe(false);
    expect(sent.worker).toHaveLength(2);
    await store.close();
  });

  it("sends the calls of separate callbacks in one pass of the event loop as one message", async () => {
    const [workerEnd, primaryEnd, sent] = pipe();
    serveState(new MemoryStateStore(), primaryEnd);
    const store = new IpcStateStore(workerEnd);
    // Two immediates queued together run in one check phase, each followed by its own ticks, like two requests read
    // in one poll. (Two setTimeout(0) calls may land a millisecond apart, in separate passes: node reads the clock anew.)
    const calls = await new Promise<Array<Promise<unknown>>>((resolve) => {
      const made: Array<Promise<unknown>> = [];
      setImmediate(() => made.push(store.takeRequest("a", 5, 1_000_000)));
      setImmediate(() => {
        made.push(store.takeRequest("b", 5, 1_000_000));
        resolve(made);
      });
    });
    await Promise.all(calls);
    expect(sent.worker).toHaveLength(1);
    expect(sent.primary).toHaveLength(1);
    await store.close();
  });

  it("holds a settle until the next call and sends it first in the same message", async () => {
    const [workerEnd, primaryEnd, sent] = pipe();
    const shared = new MemoryStateStore();
    serveState(shared, primaryEnd);
    const store = new IpcStateStore(workerEnd);
    await store.reserveBudget("key", "total", 10, 10);
    const settled = store.settleBudget("key", "total", 10, 6);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.worker).toHaveLength(1); // only the reservation so far
    // Settled first: the 6 spent leave room for 4.
    expect(await store.reserveBudget("key", "total", 4, 10)).toMatchObject({ ok: true, spentMicros: 6, reservedMicros: 4 });
    await settled;
    expect(sent.worker).toHaveLength(2);
    expect((sent.worker[1] as { calls: Array<{ op: string }> }).calls.map((call) => call.op)).toEqual(["settleBudget", "reserveBudget"]);
    // Alone, a settle goes after a few milliseconds.
    await store.addTokens("key", 5, 1_000_000);
    expect(sent.worker).toHaveLength(3);
    expect(await shared.checkTokens("key", 100, 1_000_000)).toMatchObject({ remaining: 95 });
    await store.close();
  });

  it("fails the calls a closed channel cannot carry instead of leaving them waiting", async () => {
    const store = new IpcStateStore(closedChannel(), { log: recordingLog() });
    await expect(Promise.all([store.takeRequest("key", 5, 1_000_000), store.addTokens("key", 1, 1_000_000)])).rejects.toThrow("Channel closed");
    await store.close();
  });

  it("keeps the settles a failing channel cannot carry and sends them once it carries again", async () => {
    const { worker, primary, state } = breakablePipe();
    const shared = new MemoryStateStore();
    serveState(shared, primary);
    const log = recordingLog();
    const store = new IpcStateStore(worker, { log });
    await store.reserveBudget("key", "total", 100, 1_000);
    state.broken = true;
    await store.settleBudget("key", "total", 100, 40);
    await store.addTokens("key", 7, 1_000_000);
    // A call someone waits for fails as an outage, not as a bug.
    await expect(store.takeRequest("key", 5, 1_000_000)).rejects.toBeInstanceOf(StateUnavailableError);
    expect(store.settlesWaiting).toBe(2);
    await until(() => log.lines.some((line) => line.level === "warn"));
    state.broken = false;
    await until(() => store.settlesWaiting === 0);
    expect(await shared.budgetUsage("key", "total")).toEqual({ spentMicros: 40, reservedMicros: 0 });
    expect(await shared.checkTokens("key", 100, 1_000_000)).toMatchObject({ remaining: 93 });
    await store.close();
    expect(log.lines.filter((line) => line.level === "error")).toEqual([]);
  });

  it("at close, waits for the answers due and logs at error the settles it could not deliver", async () => {
    const [workerEnd, primaryEnd] = pipe();
    const shared = new MemoryStateStore();
    serveState(shared, primaryEnd);
    const log = recordingLog();
    const store = new IpcStateStore(workerEnd, { log });
    await store.reserveBudget("key", "total", 100, 1_000);
    void store.settleBudget("key", "total", 100, 40); // held, sent by close
    await store.close();
    expect(await shared.budgetUsage("key", "total")).toEqual({ spentMicros: 40, reservedMicros: 0 });
    expect(log.lines).toEqual([]);

    const gone = new IpcStateStore(closedChannel(), { log });
    await Promise.all([gone.settleBudget("key", "total", 100, 40), gone.addTokens("key", 1, 1_000_000)]);
    await gone.close();
    expect(log.lines.filter((line) => line.level === "error")).toEqual([
      { level: "error", fields: { notApplied: 2 }, message: expect.stringContaining("2 budget and token settles not confirmed as applied") },
    ]);
  });

  it("keeps the primary up when a worker dies before its answers go out", async () => {
    // A real child process: it sends one call and exits; the store answers after it is gone.
    const child = fork("-e", ["process.send({ type: 'sy-state', calls: [{ id: 1, op: 'takeRequest', args: ['key', 5, 1000000] }] }, () => process.exit(0))"], {
      execArgv: [],
    });
    let answered: () => void = () => {};
    const done = new Promise<void>((resolve) => (answered = resolve));
    const store = new MemoryStateStore();
    const slow = Object.assign(Object.create(store) as MemoryStateStore, {
      takeRequest: async (...args: Parameters<MemoryStateStore["takeRequest"]>) => {
        await new Promise((resolve) => child.once("exit", resolve));
        setTimeout(answered, 50);
        return store.takeRequest(...args);
      },
    });
    // An 'error' event nobody listens to ends the process (a cluster primary, here the test run):
    // record any instead of letting it through.
    const errors: unknown[] = [];
    const emit = child.emit.bind(child);
    child.emit = ((event: string, ...args: unknown[]) => (event === "error" ? errors.push(args[0]) > 0 : emit(event, ...args))) as typeof child.emit;
    serveState(slow, child);
    await done;
    expect(child.exitCode).toBe(0);
    expect(errors).toEqual([]);
  });

  it("reports the primary's errors to the worker", async () => {
    const [workerEnd, primaryEnd] = pipe();
    serveState(new MemoryStateStore(), primaryEnd);
    const store = new IpcStateStore(workerEnd);
    await expect(store.reserveBudget("key", "bad:period", 1, 10)).rejects.toThrow();
    await store.close();
  });

  it("tells every worker of the primary's checks for a loss of its data, and of their outcome", async () => {
    /** A primary store that may lose its data (Redis), its checks driven by the test. */
    const listeners = new Set<LossCheckListener>();
    const shared = Object.assign(new MemoryStateStore(), {
      onLossCheck: (listener: LossCheckListener) => (listeners.add(listener), () => void listeners.delete(listener)),
    });
    const workers = Array.from({ length: 2 }, () => {
      const [workerEnd, primaryEnd] = pipe();
      serveState(shared, primaryEnd);
      const store = new IpcStateStore(workerEnd);
      const outcomes: Array<boolean | "pending"> = [];
      store.onLossCheck((lost) => {
        const at = outcomes.push("pending") - 1;
        void lost.then((wasLost) => (outcomes[at] = wasLost));
      });
      return { store, outcomes };
    });
    let outcome!: (lost: boolean) => void;
    const check = new Promise<boolean>((resolve) => (outcome = resolve));
    for (const listener of listeners) listener(check);
    await until(() => workers.every((worker) => worker.outcomes.length === 1));
    expect(workers.map((worker) => worker.outcomes)).toEqual([["pending"], ["pending"]]);
    outcome(true);
    await until(() => workers.every((worker) => worker.outcomes[0] === true));
    // A loss a routine check found comes already settled.
    for (const listener of listeners) listener(Promise.resolve(true));
    await until(() => workers.every((worker) => worker.outcomes[1] === true));

    // A check the primary never finished does not hold a closed worker's budgets.
    for (const listener of listeners) listener(new Promise<boolean>(() => undefined));
    await until(() => workers.every((worker) => worker.outcomes.length === 3));
    await Promise.all(workers.map((worker) => worker.store.close()));
    await until(() => workers.every((worker) => worker.outcomes[2] === false));
  });

  it("stops telling a worker whose channel closed", async () => {
    const listeners = new Set<LossCheckListener>();
    const shared = Object.assign(new MemoryStateStore(), {
      onLossCheck: (listener: LossCheckListener) => (listeners.add(listener), () => void listeners.delete(listener)),
    });
    serveState(shared, closedChannel());
    expect(listeners.size).toBe(1);
    for (const listener of [...listeners]) listener(Promise.resolve(false));
    await until(() => listeners.size === 0);
  });
});
