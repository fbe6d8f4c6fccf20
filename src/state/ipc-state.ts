/**
 * StateStore for cluster workers: every call goes to the primary process over
 * the IPC channel and runs there against one MemoryStateStore. The primary is
 * single-threaded, so budgets and rate limits stay exact across workers —
 * never multiplied by the number of workers.
 */
import type { StateStore } from "./state-store.js";

type Operation = Exclude<keyof StateStore, "close">;
const OPERATIONS: readonly Operation[] = ["reserveBudget", "settleBudget", "budgetUsage", "takeRequest", "checkTokens", "addTokens"];

interface StateCall { type: "sy-state"; id: number; op: Operation; args: unknown[] }
interface StateAnswer { type: "sy-state-answer"; id: number; value?: unknown; error?: string }

/** Any process channel: `process` in a worker, `worker` in the primary. */
export interface Channel {
  send(message: unknown): unknown;
  on(event: "message", listener: (message: unknown) => void): unknown;
  off(event: "message", listener: (message: unknown) => void): unknown;
}

export class IpcStateStore implements StateStore {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listener = (message: unknown) => {
    const answer = message as StateAnswer;
    if (answer?.type !== "sy-state-answer") return;
    const waiting = this.pending.get(answer.id);
    if (!waiting) return;
    this.pending.delete(answer.id);
    if (answer.error !== undefined) waiting.reject(new Error(answer.error));
    else waiting.resolve(answer.value);
  };

  constructor(private readonly channel: Channel) {
    channel.on("message", this.listener);
  }

  private call<T>(op: Operation, args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.channel.send({ type: "sy-state", id, op, args } satisfies StateCall);
    });
  }

  reserveBudget(...args: Parameters<StateStore["reserveBudget"]>) {
    return this.call<Awaited<ReturnType<StateStore["reserveBudget"]>>>("reserveBudget", args);
  }
  settleBudget(...args: Parameters<StateStore["settleBudget"]>) {
    return this.call<void>("settleBudget", args);
  }
  budgetUsage(...args: Parameters<StateStore["budgetUsage"]>) {
    return this.call<Awaited<ReturnType<StateStore["budgetUsage"]>>>("budgetUsage", args);
  }
  takeRequest(...args: Parameters<StateStore["takeRequest"]>) {
    return this.call<Awaited<ReturnType<StateStore["takeRequest"]>>>("takeRequest", args);
  }
  checkTokens(...args: Parameters<StateStore["checkTokens"]>) {
    return this.call<Awaited<ReturnType<StateStore["checkTokens"]>>>("checkTokens", args);
  }
  addTokens(...args: Parameters<StateStore["addTokens"]>) {
    return this.call<void>("addTokens", args);
  }

  async close(): Promise<void> {
    this.channel.off("message", this.listener);
    for (const waiting of this.pending.values()) waiting.reject(new Error("state channel closed"));
    this.pending.clear();
  }
}

/** In the primary: answers one worker's state calls from the shared store. */
export function serveState(store: StateStore, channel: Channel): void {
  channel.on("message", (message: unknown) => {
    const call = message as StateCall;
    if (call?.type !== "sy-state" || !OPERATIONS.includes(call.op)) return;
    const method = store[call.op] as (...args: unknown[]) => Promise<unknown>;
    method
      .apply(store, call.args)
      .then((value) => channel.send({ type: "sy-state-answer", id: call.id, value } satisfies StateAnswer))
      .catch((error: Error) => channel.send({ type: "sy-state-answer", id: call.id, error: error.message } satisfies StateAnswer));
  });
}
