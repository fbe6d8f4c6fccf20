// Switchyard's own JavaScript per request with no network at all: the upstream client answers
// from memory with the fake upstream's fixed body (non-stream) or its whole SSE stream in one
// piece (streamed), so a CPU profile of this shows only the gateway. Modes: handle (the HTTP
// handler), handle-long (the same with a 16 KB conversation), chat (the embedded API), handle-stream
// (a streamed request, its SSE text consumed).
// Usage: npm run build && taskset -c 0 node bench/gateway-only.js
// Env: ONLY=handle,… picks modes; DRIP=1 feeds streams one event per read; DIST=/path/to/dist runs another build (A/B); N=calls per round (50,000).
const DIST = process.env.DIST ?? new URL('../dist', import.meta.url).pathname;
const { UpstreamClient } = await import(`${DIST}/transport/upstream-client.js`);
const { createGateway } = await import(`${DIST}/gateway/gateway.js`);
const { NEVER_CANCELLED } = await import(`${DIST}/core/cancel-signal.js`);
const { COMPLETION, STREAM_FIRST, STREAM_REST } = await import('./fake-upstream.js');
const { gatewayCalls, printRounds, selectedCalls } = await import('./gateway-calls.js');

const completionText = COMPLETION.toString();
// Answers arrive in a later turn of the event loop, as from a socket: timers and the ledger's
// writer get their turns (with instant answers the loop never leaves the microtask queue).
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const streamText = Buffer.concat([STREAM_FIRST, STREAM_REST]).toString();
const streamReads = process.env.DRIP === '1' ? streamText.split(/(?<=\n\n)/) : [streamText];
UpstreamClient.prototype.fetchText = async function () {
  await nextTurn();
  return { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': 'req_bench' }, text: completionText };
};
UpstreamClient.prototype.openStream = async function () {
  await nextTurn();
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'req_bench' },
    fed: 0,
    watchIdle() {},
    // The whole stream arrives as one read a loop turn later (DRIP=1: one read per event, each a
    // loop turn after the last, as from a model), then the body is over.
    async next(decoder, mapError = (error) => error) {
      try {
        while (this.fed < streamReads.length) {
          await nextTurn();
          const items = decoder.piece(streamReads[this.fed++]);
          if (items !== undefined) return items;
        }
        return decoder.end();
      } catch (error) {
        throw mapError(error);
      }
    },
    text: async () => '',
    destroy() {},
  };
};

const gateway = await createGateway({
  config: { storage: { url: 'memory://' }, log: { level: 'error' }, providers: { fake: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-bench-upstream' } } },
});
const N = Number(process.env.N ?? 50_000);
await printRounds(selectedCalls(gatewayCalls(gateway, NEVER_CANCELLED)), 4, N);
process.exit(0);
