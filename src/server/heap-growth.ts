/**
 * How far V8 lets the old generation grow past what the last full collection
 * kept, before it starts the next one: V8's own choice unless
 * `server.heap_growth_percent` sets a share of the live heap.
 *
 * V8 picks that room itself after each full collection, from how fast it
 * collects against how fast the program promotes objects. A gateway promotes
 * little (tens to hundreds of bytes per request), so V8 picks its minimum:
 * the live heap plus 8 MB and the young generation's size at that moment.
 *
 * A fixed share was the default (150 %) while V8's memory reducer still ran
 * its collections in every quiet spell: each was sized with a shrunk young
 * generation, so the next burst began with a full collection (a p99 of
 * 8–20 ms at a paced 1,000 req/s). Since the idle trimmer holds the reducer
 * back while quiet (idle-heap-trim.ts), the room is set under load and lasts;
 * the larger room only raised the peak under sustained load, where promoted
 * garbage fills it: 134–141 MB against 125–127 MB with V8's choice, paced
 * latency and CPU per request unchanged (bench/optimizations.md).
 */
import { setFlagsFromString } from "node:v8";

/**
 * Sets the growth, in percent of the live heap; 0 leaves V8's own choice.
 * Process-wide: `switchyard start` calls it, an embedded gateway never does
 * (its host process owns the heap's tuning).
 */
export function setOldGenerationGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
