/**
 * Settles (`settleBudget`, `addTokens`) held by a shared store so they travel
 * with its next immediate send instead of on their own: each held send runs
 * when the store releases them (before an admission or a read, at close) or
 * after SETTLE_DELAY_MS, whichever comes first. Used by the Redis store (one
 * socket write) and the workers' IPC store (one message).
 */
import { SETTLE_DELAY_MS } from "./state-store.js";

export class HeldSettles {
  private sends: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly delayMs = SETTLE_DELAY_MS) {}

  hold(send: () => void): void {
    this.sends.push(send);
    this.timer ??= setTimeout(() => this.release(), this.delayMs).unref();
  }

  /** Runs every held send now, in the order they were held. */
  release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sends.length === 0) return;
    const sends = this.sends;
    this.sends = [];
    for (const send of sends) send();
  }
}
