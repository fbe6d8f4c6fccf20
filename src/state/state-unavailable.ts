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
