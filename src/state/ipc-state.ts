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
 *
 * A call the channel cannot carry (the primary gone) fails with a
 * StateUnavailableError; a settle is kept and retried instead (settle-retry.ts),
 * and at close the store waits briefly for the answers still due.
 *
 * A primary whose store can lose its data (Redis) tells each worker of its checks
 * for a loss, so the worker's budgets are seeded again (StateStore.onLossCheck).
 */
import { HeldSettles } from "./held-settles.js";
import { SettleRetry, type Settle, type SettleLog } from "./settle-retry.js";
import type { LossCheckListener, StateStore } from "./state-store.js";
import { StateUnavailableError } from "./state-unavailable.js";

type Operation = Exclude<keyof StateStore, "close" | "onLossCheck">;
const OPERATIONS: readonly Operation[] = ["reserveBudget", "settleBudget", "raiseSpent", "budgetUsage", "takeRequest", "checkTokens", "addTokens"];
/** Calls no request waits on: they travel with the next call (SETTLE_DELAY_MS). */
const SETTLES: readonly Operation[] = ["settleBudget", "addTokens"];

interface StateCall { id: number; op: Operation; args: unknown[] }
interface StateAnswer { id: number; value?: unknown; error?: string }
interface StateCalls { type: "sy-state"; calls: StateCall[] }
interface StateAnswers { type: "sy-state-answer"; answers: StateAnswer[] }
/** The primary's store began check `id` for a loss of its data; `lost` comes with its outcome, in a second message. */
interface LossCheck { type: "sy-state-loss-check"; id: number; lost?: boolean }

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

/** A call awaiting its answer; `settle` is set for a settle to keep if the channel fails it. */
interface Waiting { resolve: (value: unknown) => void; reject: (error: Error) => void; settle: StateCall | undefined }

/** How long close() waits for answers still due. */
const CLOSE_WAIT_MS = 2_000;

export interface IpcStateStoreOptions {
  /** Where settles kept while the channel fails are reported (pino's Logger fits). Default: stderr. */
  log?: SettleLog;
}

export class IpcStateStore implements StateStore {
  private nextId = 1;
  private readonly pending = new Map<number, Waiting>();
  private readonly listener = (message: unknown) => {
    if ((message as LossCheck)?.type === "sy-state-loss-check") return this.lossCheck(message as LossCheck);
    const batch = message as StateAnswers;
    if (batch?.type !== "sy-state-answer" || !Array.isArray(batch.answers)) return;
    for (const answer of batch.answers) {
      const waiting = this.pending.get(answer.id);
      if (!waiting) continue;
      this.pending.delete(answer.id);
      if (answer.error !== undefined) waiting.reject(new Error(answer.error));
      else waiting.resolve(answer.value);
    }
    if (this.pending.size === 0) this.idle?.();
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
  private readonly retry: SettleRetry;
  /** Called when no answer is due any more (close() waits for it). */
  private idle: (() => void) | undefined;
  private readonly lossListeners = new Set<LossCheckListener>();
  /** The primary's loss checks still running: their outcome's resolver by id. */
  private readonly lossChecks = new Map<number, (lost: boolean) => void>();

  constructor(
    private readonly channel: Channel,
    options: IpcStateStoreOptions = {},
  ) {
    channel.on("message", this.listener);
    this.retry = new SettleRetry((settle) => this.call(settle.op, argsOf(settle), false), { log: options.log });
  }

  /** `keep`: a settle the channel fails is kept for retry (false for the retry's own sends). */
  private call<T>(op: Operation, args: unknown[], keep = true): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!SETTLES.includes(op)) {
        this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, settle: undefined });
        this.held.release();
        this.post({ id, op, args });
        return;
      }
      const call: StateCall = { id, op, args };
      if (keep && this.retry.holding) {
        // Behind settles kept while the channel failed, so none of its key is overtaken.
        this.retry.keep(settleOf(call));
        resolve(undefined as T);
        return;
      }
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, settle: keep ? call : undefined });
      this.held.hold(() => this.post(call));
    });
  }

  private fail(id: number, error: Error): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    if (waiting.settle) {
      this.retry.keep(settleOf(waiting.settle));
      waiting.resolve(undefined);
    } else {
      waiting.reject(new StateUnavailableError(`the channel to the primary failed: ${error.message}`, { cause: error }));
    }
    if (this.pending.size === 0) this.idle?.();
  }

  reserveBudget(...args: Parameters<StateStore["reserveBudget"]>) {
    return this.call<Awaited<ReturnType<StateStore["reserveBudget"]>>>("reserveBudget", args);
  }
  settleBudget(...args: Parameters<StateStore["settleBudget"]>) {
    return this.call<void>("settleBudget", args);
  }
  raiseSpent(...args: Parameters<StateStore["raiseSpent"]>) {
    return this.call<void>("raiseSpent", args);
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

  onLossCheck(listener: LossCheckListener): () => void {
    this.lossListeners.add(listener);
    return () => void this.lossListeners.delete(listener);
  }

  private lossCheck({ id, lost }: LossCheck): void {
    if (lost !== undefined) {
      this.lossChecks.get(id)?.(lost === true);
      this.lossChecks.delete(id);
      return;
    }
    const outcome = new Promise<boolean>((resolve) => this.lossChecks.set(id, resolve));
    for (const listener of this.lossListeners) listener(outcome);
  }

  /** Settles still kept for retry (tests, metrics). */
  get settlesWaiting(): number {
    return this.retry.size;
  }

  /**
   * Sends held and kept settles a last time and waits (up to CLOSE_WAIT_MS) for the answers
   * due; settles left unanswered are logged at error, other calls fail.
   */
  async close(): Promise<void> {
    this.held.release();
    await Promise.all([this.retry.finalAttempt(), this.answered(CLOSE_WAIT_MS)]);
    this.channel.off("message", this.listener);
    const closed = new StateUnavailableError("the state channel is closed");
    for (const id of [...this.pending.keys()]) this.fail(id, closed);
    for (const resolve of this.lossChecks.values()) resolve(false);
    this.lossChecks.clear();
    this.retry.close();
  }

  private answered(timeoutMs: number): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idle = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.idle = done;
    });
  }
}

function settleOf({ op, args }: StateCall): Settle {
  if (op === "settleBudget") {
    const [scope, period, reservedMicros, actualMicros] = args as Parameters<StateStore["settleBudget"]>;
    return { op, scope, period, reservedMicros, actualMicros };
  }
  const [scope, tokens, now] = args as Parameters<StateStore["addTokens"]>;
  return { op: "addTokens", scope, tokens, now };
}

function argsOf(settle: Settle): unknown[] {
  return settle.op === "settleBudget" ? [settle.scope, settle.period, settle.reservedMicros, settle.actualMicros] : [settle.scope, settle.tokens, settle.now];
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
  let lossChecks = 0;
  const tell = (message: LossCheck) => {
    // A worker gone stops hearing of checks (the store would keep its listener otherwise).
    const gone = (error: Error | null) => error && stopTelling?.();
    try {
      channel.send(message, gone);
    } catch (error) {
      gone(error as Error);
    }
  };
  const stopTelling = store.onLossCheck?.((lost) => {
    const id = ++lossChecks;
    tell({ type: "sy-state-loss-check", id });
    void lost.then((wasLost) => tell({ type: "sy-state-loss-check", id, lost: wasLost }));
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
