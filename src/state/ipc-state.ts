/**
 * StateStore for cluster workers: every call goes to the primary process over
 * the IPC channel and runs there against one MemoryStateStore. The primary is
 * single-threaded, so budgets and rate limits stay exact across workers —
 * never multiplied by the number of workers.
 *
 * Calls made in one pass of the event loop (the limits and budgets of every
 * request read in that pass) travel as one message, and so do the answers the
 * primary has in one pass: an IPC message costs each side a system call and a
 * wake-up of the other process, far more than the JSON it carries. Settles,
 * which no request waits on, are held up to SETTLE_DELAY_MS and go first in
 * the next message.
 */
import { HeldSettles } from "./held-settles.js";
import type { StateStore } from "./state-store.js";

type Operation = Exclude<keyof StateStore, "close">;
const OPERATIONS: readonly Operation[] = ["reserveBudget", "settleBudget", "budgetUsage", "takeRequest", "checkTokens", "addTokens"];
/** Calls no request waits on: they travel with the next call (SETTLE_DELAY_MS). */
const SETTLES: readonly Operation[] = ["settleBudget", "addTokens"];

interface StateCall { id: number; op: Operation; args: unknown[] }
interface StateAnswer { id: number; value?: unknown; error?: string }
interface StateCalls { type: "sy-state"; calls: StateCall[] }
interface StateAnswers { type: "sy-state-answer"; answers: StateAnswer[] }

/** Any process channel: `process` in a worker, `worker` in the primary. */
export interface Channel {
  /** With a callback, a closed channel reports to it instead of emitting 'error' (which would end the process). */
  send(message: unknown, callback: (error: Error | null) => void): unknown;
  on(event: "message", listener: (message: unknown) => void): unknown;
  off(event: "message", listener: (message: unknown) => void): unknown;
}

/**
 * Collects the items added in one pass of the event loop and hands them over
 * together in its check phase (setImmediate), after every socket read in that
 * pass was handled. Flushing on the next tick instead sent a message per request
 * under load (8.7 calls a message against 46, and ≈ 20 % more CPU a request).
 */
function perLoopPass<T>(flush: (items: T[]) => void): (item: T) => void {
  let pending: T[] | undefined;
  return (item) => {
    if (pending) {
      pending.push(item);
      return;
    }
    pending = [item];
    setImmediate(() => {
      const items = pending!;
      pending = undefined;
      flush(items);
    });
  };
}

interface Waiting { resolve: (value: unknown) => void; reject: (error: Error) => void }

export class IpcStateStore implements StateStore {
  private nextId = 1;
  private readonly pending = new Map<number, Waiting>();
  private readonly listener = (message: unknown) => {
    const batch = message as StateAnswers;
    if (batch?.type !== "sy-state-answer" || !Array.isArray(batch.answers)) return;
    for (const answer of batch.answers) {
      const waiting = this.pending.get(answer.id);
      if (!waiting) continue;
      this.pending.delete(answer.id);
      if (answer.error !== undefined) waiting.reject(new Error(answer.error));
      else waiting.resolve(answer.value);
    }
  };
  private readonly post = perLoopPass<StateCall>((calls) => {
    const failed = (error: unknown) => {
      // The calls a closed channel could not carry fail instead of waiting forever.
      for (const call of calls) this.fail(call.id, error instanceof Error ? error : new Error(String(error)));
    };
    try {
      this.channel.send({ type: "sy-state", calls } satisfies StateCalls, (error) => error && failed(error));
    } catch (error) {
      failed(error);
    }
  });

  private readonly held = new HeldSettles();

  constructor(private readonly channel: Channel) {
    channel.on("message", this.listener);
  }

  private call<T>(op: Operation, args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (SETTLES.includes(op)) this.held.hold(() => this.post({ id, op, args }));
      else {
        this.held.release();
        this.post({ id, op, args });
      }
    });
  }

  private fail(id: number, error: Error): void {
    const waiting = this.pending.get(id);
    this.pending.delete(id);
    waiting?.reject(error);
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
    this.held.release();
    this.channel.off("message", this.listener);
    for (const waiting of this.pending.values()) waiting.reject(new Error("state channel closed"));
    this.pending.clear();
  }
}

/** In the primary: answers one worker's state calls from the shared store. */
export function serveState(store: StateStore, channel: Channel): void {
  // A worker that died with calls in flight has nobody to answer: its send error is dropped.
  const answer = perLoopPass<StateAnswer>((answers) => {
    try {
      channel.send({ type: "sy-state-answer", answers } satisfies StateAnswers, () => {});
    } catch {
      // as above
    }
  });
  channel.on("message", (message: unknown) => {
    const batch = message as StateCalls;
    if (batch?.type !== "sy-state" || !Array.isArray(batch.calls)) return;
    for (const call of batch.calls) {
      if (!OPERATIONS.includes(call?.op)) continue;
      const method = store[call.op] as (...args: unknown[]) => Promise<unknown>;
      method.apply(store, call.args).then(
        (value) => answer({ id: call.id, value }),
        (error: Error) => answer({ id: call.id, error: error.message }),
      );
    }
  });
}
