// Calibration for the CPU figures: makes the floor (bench/passthrough.js) busy-wait BENCH_SPIN_US
// microseconds (default 20) per request before answering, as if it did that much more work. How much
// CPU per request the measured figure grows for each microsecond of work shows how the load level
// itself (wake-ups, fewer requests per event-loop turn) weighs on a slower proxy.
// Usage: node --import ./bench/spin-preload.js bench/passthrough.js <port> <upstreamOrigin>
import { Pool } from 'undici';

const spinNs = BigInt(Math.round(Number(process.env.BENCH_SPIN_US ?? 20) * 1000));

const dispatch = Pool.prototype.dispatch;
Pool.prototype.dispatch = function (options, handler) {
  const onComplete = handler.onComplete;
  handler.onComplete = function (...args) {
    const until = process.hrtime.bigint() + spinNs;
    while (process.hrtime.bigint() < until);
    return onComplete.apply(this, args);
  };
  return dispatch.call(this, options, handler);
};
