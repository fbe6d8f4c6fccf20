/**
 * How the Redis state store's commands reach the socket. ioredis writes each
 * command as it comes, and each write is a system call and a network send that
 * wakes Redis (on loopback the sender also pays for the receiving side). So:
 * - the commands of one turn (a request's limits and budget) leave in one write:
 *   the connection is corked at the first and uncorked on the next tick;
 * - commands that nobody waits on in the request path (settling a budget,
 *   recording tokens) wait up to `delayMs` and leave with the next turn's write.
 *   They always go before the commands they wait for, so this instance never
 *   reads its own state without them; other instances see them at most
 *   `delayMs` later.
 */
import type { Redis } from "ioredis";
import { SETTLE_DELAY_MS } from "./state-store.js";


export class RedisWrites {
  private corked = false;
  private deferred: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly delayMs = SETTLE_DELAY_MS,
  ) {}

  /** Sends in this turn's write, after every deferred command. */
  now<T>(send: () => Promise<T>): Promise<T> {
    this.flush();
    this.cork();
    return send();
  }

  /** Sends with the next turn that sends `now`, or after `delayMs`. */
  later<T>(send: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.deferred.push(() => send().then(resolve, reject));
      this.timer ??= setTimeout(() => this.flush(), this.delayMs).unref();
    });
  }

  /** Sends every deferred command now (before a read, and at close). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.deferred.length === 0) return;
    const sends = this.deferred;
    this.deferred = [];
    this.cork();
    for (const send of sends) send();
  }

  private cork(): void {
    if (this.corked || this.redis.status !== "ready") return;
    const stream = this.redis.stream;
    stream.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      stream.uncork();
    });
  }
}
