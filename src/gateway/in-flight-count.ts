/**
 * Work still running, counted: the requests a runtime serves (a reload closes
 * the replaced runtime's pools once its requests, which may still retry or fail
 * over, have written their ledger rows) and the embedded calls (`close()`
 * flushes the ledger once they are done, so their rows are kept).
 */
export class InFlightCount {
  private count = 0;
  private waiters: Array<() => void> = [];

  enter(): void {
    this.count++;
  }

  leave(): void {
    if (this.count > 0) this.count--;
    if (this.count === 0 && this.waiters.length > 0) for (const wake of this.waiters.splice(0)) wake();
  }

  get active(): number {
    return this.count;
  }

  /**
   * True once nothing is in flight; false if something still is after `maxWaitMs` (work that
   * never ends must not hold pools or a shutdown forever). The timer keeps no process alive.
   */
  drained(maxWaitMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs, false);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
