/**
 * How the Redis state store's commands reach the socket. ioredis writes each
 * command as it comes, and each write is a system call and a network send that
 * wakes Redis (on loopback the sender also pays for the receiving side). So:
 * - the commands of one pass of the event loop (the limits and budgets of every
 *   request read in that pass) leave in one write: the connection is corked at
 *   the first and uncorked in the pass's check phase (setImmediate). Uncorking on
 *   the next tick wrote once per request; per pass, a loaded instance spent
 *   9–18 % less CPU a request (five alternated pairs, one outlier aside);
 * - commands that nobody waits on in the request path (settling a budget,
 *   recording tokens) wait up to SETTLE_DELAY_MS and leave with the next pass's write.
 *   They always go before the commands they wait for, so this instance never
 *   reads its own state without them; other instances see them at most
 *   SETTLE_DELAY_MS later.
 */
import type { Redis } from "ioredis";
import { HeldSettles } from "./held-settles.js";

export class RedisWrites {
  private corked = false;
  private readonly held = new HeldSettles();

  constructor(private readonly redis: Redis) {}

  /** Sends in this pass's write, after every held command. */
  now<T>(send: () => Promise<T>): Promise<T> {
    this.flush();
    this.cork();
    return send();
  }

  /** Sends with the next pass that sends `now`, or after SETTLE_DELAY_MS. */
  later<T>(send: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.held.hold(() => {
        this.cork();
        send().then(resolve, reject);
      });
    });
  }

  /** Sends every held command now (before a read, and at close). */
  flush(): void {
    this.held.release();
  }

  private cork(): void {
    if (this.corked || this.redis.status !== "ready") return;
    const stream = this.redis.stream;
    stream.cork();
    this.corked = true;
    setImmediate(() => {
      this.corked = false;
      stream.uncork();
    });
  }
}
