/**
 * How far V8 lets the old generation grow past what the last full collection
 * kept, before it starts the next one.
 *
 * V8 picks that room itself after each full collection, from how fast it
 * collects against how fast the program promotes objects. A gateway promotes
 * little (tens of bytes per request), so V8 picks its minimum: the live heap
 * plus 8 MB and the young generation's size at that moment. V8 also starts a
 * full marking as soon as the room left is smaller than the young
 * generation's capacity. After a quiet spell the young generation has shrunk;
 * when load returns it grows back to 16 MB and overtakes the room, so each
 * burst after a pause began with a full collection that nothing else called
 * for: a ~10 ms pause plus tens of milliseconds of concurrent marking on the
 * gateway's core, seen as a p99 of 8–20 ms at a paced 1,000 req/s.
 *
 * A fixed share of the live heap leaves more room than the young generation
 * can take. At Switchyard's ≈ 18 MB live heap after an idle trim, 100 % was
 * not always enough (18 MB of room, 16 MB of young generation, a few MB
 * promoted by a burst); 150 % was, in every paced round measured. It costs no
 * memory by itself: pages are used only as promoted garbage fills them, and
 * the idle trim still compacts the heap when the gateway goes quiet.
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
