import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { IpcStateStore, serveState, type Channel } from "./ipc-state.js";
import { MemoryStateStore } from "./memory-state.js";

/** Two ends of an in-memory channel that deliver asynchronously, like IPC. */
function pipe(): [Channel, Channel] {
  const a = new EventEmitter();
  const b = new EventEmitter();
  const end = (self: EventEmitter, other: EventEmitter): Channel => ({
    send: (message) => setImmediate(() => other.emit("message", structuredClone(message))),
    on: (event, listener) => self.on(event, listener),
    off: (event, listener) => self.off(event, listener),
  });
  return [end(a, b), end(b, a)];
}

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

  it("reports the primary's errors to the worker", async () => {
    const [workerEnd, primaryEnd] = pipe();
    serveState(new MemoryStateStore(), primaryEnd);
    const store = new IpcStateStore(workerEnd);
    await expect(store.reserveBudget("key", "bad:period", 1, 10)).rejects.toThrow();
    await store.close();
  });
});
