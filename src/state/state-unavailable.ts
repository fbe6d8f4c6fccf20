/**
 * The state store could not be asked: Redis unreachable or not serving, or a
 * worker's channel to the primary closed. An outage rather than a bug, so the
 * gateway answers 503 for it (governance.ts) and the stores retry settles
 * (settle-retry.ts). The message names the cause, never an address or password.
 */
export class StateUnavailableError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`state store unavailable: ${reason}`, options);
    this.name = "StateUnavailableError";
  }
}

/**
 * `answer`, or a StateUnavailableError once `ms` pass without it: a Redis that
 * keeps the connection open but answers nothing (a frozen server, a network
 * partition) fails a request's admission as an outage, a 503, instead of holding
 * the request for as long as the partition lasts. The command may still run once
 * Redis answers again: a reservation it makes then stays reserved until its
 * period ends (never an overspend).
 */
export function answerWithin<T>(answer: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StateUnavailableError(`no answer within ${ms} ms`)), ms);
    answer.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
