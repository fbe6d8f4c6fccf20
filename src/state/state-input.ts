/**
 * Argument checks shared by the stores. A NaN or fractional amount would
 * silently corrupt shared money state, so bad input throws before any write.
 */

export function assertMicros(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer number of micro-USD, got ${value}`);
  }
}

export function assertLimit(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

export function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** A count that may go down as well as up (a token window's settle). */
export function assertInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
}

/** Epoch milliseconds, truncated to whole milliseconds. */
export function toEpochMs(now: number): number {
  if (!Number.isFinite(now) || now < 0) throw new RangeError(`now must be epoch milliseconds, got ${now}`);
  return Math.floor(now);
}

export function assertScope(scope: string): void {
  if (scope.length === 0) throw new RangeError("scope must not be empty");
}

/** Periods end a storage key, so a ':' would make two (scope, period) pairs collide. */
export function assertPeriod(period: string): void {
  if (period.length === 0 || period.includes(":")) {
    throw new RangeError(`period must be a non-empty string without ':', got '${period}'`);
  }
}
