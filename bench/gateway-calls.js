// What the in-process harnesses (inprocess.js, gateway-only.js) share: the calls they make
// into a gateway, and CPU µs per call measured over rounds.
import { longConversationBody, requestBody } from './targets.js';

export const CHAT_BODY = Buffer.from(requestBody(false));
export const STREAM_BODY = Buffer.from(requestBody(true));
export const LONG_BODY = Buffer.from(longConversationBody());
const NO_QUERY = new URLSearchParams();

/**
 * handle (the HTTP handler, non-stream), handle-long (the same with a 16 KB conversation), chat (the
 * embedded API) and handle-stream (a streamed request, its SSE text consumed and checked) against `gateway`, as `authorization`.
 * `notCancelled` is the build's own NEVER_CANCELLED (builds are compared side by side).
 */
export function gatewayCalls(gateway, notCancelled, authorization = 'Bearer anything') {
  const headersFor = (bytes) => ({ 'content-type': 'application/json', authorization, 'content-length': String(bytes.length) });
  const headers = headersFor(CHAT_BODY);
  const streamHeaders = headersFor(STREAM_BODY);
  const longHeaders = headersFor(LONG_BODY);
  const parsed = JSON.parse(CHAT_BODY.toString());
  const post = (headers, body) => gateway.handle({ method: 'POST', path: '/v1/chat/completions', query: NO_QUERY, headers, body, signal: notCancelled });
  return {
    handle: () => post(headers, CHAT_BODY).then((reply) => { if (reply.status !== 200) throw new Error(String(reply.body)); }),
    'handle-long': () => post(longHeaders, LONG_BODY).then((reply) => { if (reply.status !== 200) throw new Error(String(reply.body)); }),
    chat: () => gateway.chat(parsed),
    'handle-stream': () => post(streamHeaders, STREAM_BODY).then(async (reply) => {
      if (reply.status !== 200 || typeof reply.body === 'string') throw new Error(String(reply.body));
      let text = '';
      for await (const piece of reply.body) text += piece;
      if (!text.endsWith('data: [DONE]\n\n')) throw new Error('stream cut short');
    }),
  };
}

/** CPU µs per call of `call`, made `n` times by `concurrency` callers. */
export async function cpuPerCall(call, n, concurrency = Number(process.env.CONCURRENCY ?? 50)) {
  let started = 0;
  const worker = async () => { while (started++ < n) await call(); };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

/** Runs the calls interleaved, `rounds` times, printing one line per round. */
export async function printRounds(calls, rounds, n) {
  for (let round = 1; round <= rounds; round++) {
    const line = [];
    for (const [name, call] of calls) line.push(`${name} ${(await cpuPerCall(call, n)).toFixed(1)} µs`);
    console.log(`round ${round}: ${line.join('   ')}`);
  }
}

/** The calls ONLY= names (all when unset), in their order. */
export function selectedCalls(calls) {
  const only = process.env.ONLY?.split(',');
  return Object.entries(calls).filter(([name]) => !only || only.includes(name));
}
