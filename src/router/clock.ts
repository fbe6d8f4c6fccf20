/** Time and randomness the router depends on, injectable so tests never sleep. */
import type { CancelSignal } from "../core/cancel-signal.js";
export interface RouterClock {
  now(): number;
  sleep(ms: number, signal?: CancelSignal): Promise<void>;
  random(): number;
}

export const systemClock: RouterClock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};
