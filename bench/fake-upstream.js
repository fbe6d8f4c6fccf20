// Fast fake OpenAI-compatible upstream (raw node:http, precomputed bodies).
// Usage: node bench/fake-upstream.js <port>   → prints {"port":N} on stdout when listening.
// POST /v1/chat/completions: fixed chat.completion JSON, or a fixed SSE stream when "stream": true.
//   A stream request with "user":"bench-drip" gets the same 22 events one write each, 5 ms apart
//   (bench/drip.js), as tokens arrive from a model: each event is a separate read at the proxy.
// Control (loopback only, used by the bench orchestrator):
//   POST /__hold     → from now on, streaming requests send their first write (role and first content) and are held open
//   POST /__release  → finish every held stream and turn hold mode off
//   GET  /__stats    → {"requests":N,"streams":N,"held":N}
import http from 'node:http';
import { DRIP } from './drip.js';

const CREATED = 1730000000;
const ID = 'chatcmpl-bench0000000000000000000001';
const MODEL = 'gpt-4o-mini-2024-07-18';
const USAGE = {
  prompt_tokens: 42,
  completion_tokens: 120,
  total_tokens: 162,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};
const WORDS = ('Switchyard benchmark reply. The quick brown fox jumps over the lazy dog while the gateway ' +
  'forwards this completion from the fake upstream to the load generator, measuring the overhead that a ' +
  'proxy adds on top of the bare network path. ').repeat(2).trim().split(' ');
const CONTENT = WORDS.join(' ');

export const COMPLETION = Buffer.from(JSON.stringify({
  id: ID, object: 'chat.completion', created: CREATED, model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: CONTENT, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: USAGE, service_tier: 'default', system_fingerprint: 'fp_bench0001',
}));

const chunk = (delta, finish = null) => 'data: ' + JSON.stringify({
  id: ID, object: 'chat.completion.chunk', created: CREATED, model: MODEL, service_tier: 'default',
  system_fingerprint: 'fp_bench0001', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
}) + '\n\n';

const N_CHUNKS = 20;
const per = Math.ceil(WORDS.length / (N_CHUNKS - 2));
const parts = [chunk({ role: 'assistant', content: '', refusal: null })];
for (let i = 0; i < N_CHUNKS - 2; i++) parts.push(chunk({ content: WORDS.slice(i * per, (i + 1) * per).join(' ') + ' ' }));
parts.push(chunk({}, 'stop'));
parts.push('data: ' + JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: CREATED, model: MODEL,
  system_fingerprint: 'fp_bench0001', choices: [], usage: USAGE }) + '\n\n');
parts.push('data: [DONE]\n\n');
// The first write holds the role chunk and the first content, as a model's stream does once its first token
// is out: a proxy that waits for content before it answers (Switchyard, to fail over) answers with it, and a
// held stream is one in progress.
export const STREAM_FIRST = Buffer.from(parts[0] + parts[1]);
export const STREAM_REST = Buffer.from(parts.slice(2).join(''));
const EVENTS = parts.map((part) => Buffer.from(part));
if (EVENTS.length !== DRIP.events) throw new Error(`bench/drip.js says ${DRIP.events} events, the stream has ${EVENTS.length}`);
const DRIP_RE = new RegExp(`"user"\\s*:\\s*"${DRIP.user}"`);

function drip(res) {
  let i = 1;
  const next = () => {
    if (res.destroyed) return;
    if (i === EVENTS.length - 1) { res.end(EVENTS[i]); return; }
    res.write(EVENTS[i++]);
    setTimeout(next, DRIP.ms);
  };
  setTimeout(next, DRIP.ms);
}

const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': COMPLETION.length, 'x-request-id': 'req_bench' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_bench' };
const STREAM_RE = /"stream"\s*:\s*true/;

let hold = false;
const held = new Set();
const stats = { requests: 0, streams: 0 };

function releaseAll() {
  hold = false;
  for (const res of held) res.end(STREAM_REST);
  const n = held.size;
  held.clear();
  return n;
}

function control(req, res) {
  let out;
  if (req.url === '/__hold') { hold = true; out = { hold }; }
  else if (req.url === '/__release') out = { released: releaseAll() };
  else if (req.url === '/__stats') out = { ...stats, held: held.size };
  else { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
}

const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, (req, res) => {
  if (req.url.startsWith('/__')) { req.resume(); req.on('end', () => control(req, res)); return; }
  const bufs = [];
  req.on('data', (b) => bufs.push(b));
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    stats.requests++;
    const body = bufs.length === 1 ? bufs[0].toString('latin1') : Buffer.concat(bufs).toString('latin1');
    if (!STREAM_RE.test(body)) { res.writeHead(200, JSON_HEADERS).end(COMPLETION); return; }
    stats.streams++;
    res.writeHead(200, SSE_HEADERS);
    res.write(STREAM_FIRST);
    if (DRIP_RE.test(body)) {
      drip(res);
    } else if (hold) {
      held.add(res);
      res.on('close', () => held.delete(res));
    } else {
      res.end(STREAM_REST);
    }
  });
});
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => { releaseAll(); server.close(); server.closeAllConnections(); process.exit(0); });
