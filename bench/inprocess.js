// Switchyard's own JavaScript cost per non-stream request, without the HTTP server:
// CPU µs per call of gateway.handle() (the whole HTTP handler), gateway.chat() (the chat
// pipeline without HTTP parsing and reply serialization) and a bare undici dispatch to the
// same fake upstream (the transport alone), interleaved, 50 concurrent calls.
// Usage: npm run build && taskset -c 0 node bench/inprocess.js [rounds=4] [requests=20000]
// handle-acct is handle() with the SQLite ledger and a virtual key with a budget (section 6).
// handle-stream is the same for a streamed request (22 SSE events) with the SSE text consumed.
// DIST=/path/to/dist compares another build (A/B). ONLY=chat,handle runs only those (e.g. under --cpu-prof). The first round includes JIT warm-up; read the later ones.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
const DIST = process.env.DIST ?? '../dist';
const { createGateway } = await import(`${DIST}/gateway/gateway.js`);
const { NEVER_CANCELLED } = await import(`${DIST}/core/cancel-signal.js`);
import { requestBody } from './targets.js';
import { freePort } from './procs.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 4);
const N = Number(process.argv[3] ?? 20_000);
const PORT = await freePort();

const upstream = spawn(process.execPath, [path.join(BENCH, 'fake-upstream.js'), String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => upstream.stdout.once('data', resolve));
const gateway = await createGateway({
  config: {
    storage: { url: 'memory://' },
    log: { level: 'error' },
    providers: { fake: { type: 'openai-compatible', base_url: `http://127.0.0.1:${PORT}/v1`, api_key: 'sk-bench-upstream', max_connections: 1100 } },
  },
});
// The realistic configuration (section 6 of the bench): SQLite ledger and a virtual key with a budget.
const { mkdtempSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const MASTER = 'sk-bench-master-inprocess-0001';
const accounted = await createGateway({
  config: {
    server: { master_key: MASTER },
    storage: { url: `sqlite://${path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-inprocess-')), 'bench.db')}` },
    log: { level: 'error' },
    providers: { fake: { type: 'openai-compatible', base_url: `http://127.0.0.1:${PORT}/v1`, api_key: 'sk-bench-upstream', max_connections: 1100 } },
  },
});
const keyBody = Buffer.from(JSON.stringify({ name: 'bench', budget_usd: 1000000 }));
const created = await accounted.handle({ method: 'POST', path: '/admin/keys', query: new URLSearchParams(), headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` }, body: keyBody, signal: NEVER_CANCELLED });
const virtualKey = JSON.parse(created.body).key;
if (!virtualKey) throw new Error(`POST /admin/keys answered ${created.status}: ${created.body}`);

const pool = new Pool(`http://127.0.0.1:${PORT}`, { connections: 1100 });

const body = Buffer.from(requestBody(false));
const streamBody = Buffer.from(requestBody(true));
const headers = { 'content-type': 'application/json', authorization: 'Bearer anything', 'content-length': String(body.length) };
const parsed = JSON.parse(body.toString());
const upstreamBody = JSON.stringify({ ...parsed, model: 'gpt-4o-mini' });

function dispatch() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    pool.dispatch({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: upstreamBody }, {
      onConnect() {}, onHeaders() { return true; }, onData(chunk) { chunks.push(chunk); return true; },
      onComplete() { resolve(JSON.parse(Buffer.concat(chunks).toString())); }, onError: reject,
    });
  });
}

const upstreamStreamBody = JSON.stringify({ ...parsed, model: 'gpt-4o-mini', stream: true });
function dispatchStream() {
  return new Promise((resolve, reject) => {
    let text = '';
    pool.dispatch({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: upstreamStreamBody }, {
      onConnect() {}, onHeaders() { return true; }, onData(chunk) { text += chunk.toString(); return true; },
      onComplete() { resolve(text); }, onError: reject,
    });
  });
}

const ONLY = process.env.ONLY?.split(',');
const calls = {
  handle: () => gateway.handle({ method: 'POST', path: '/v1/chat/completions', query: new URLSearchParams(), headers, body, signal: NEVER_CANCELLED })
    .then((reply) => { if (reply.status !== 200) throw new Error(String(reply.body)); }),
  chat: () => gateway.chat(parsed),
  'handle-acct': () => accounted.handle({ method: 'POST', path: '/v1/chat/completions', query: new URLSearchParams(), headers: { ...headers, authorization: `Bearer ${virtualKey}` }, body, signal: NEVER_CANCELLED })
    .then((reply) => { if (reply.status !== 200) throw new Error(String(reply.body)); }),
  'handle-stream': () => gateway.handle({ method: 'POST', path: '/v1/chat/completions', query: new URLSearchParams(), headers: { ...headers, 'content-length': String(streamBody.length) }, body: streamBody, signal: NEVER_CANCELLED })
    .then(async (reply) => {
      if (reply.status !== 200 || typeof reply.body === 'string') throw new Error(String(reply.body));
      let text = '';
      for await (const piece of reply.body) text += piece;
      if (!text.endsWith('data: [DONE]\n\n')) throw new Error('stream cut short');
    }),
  transport: dispatch,
  'transport-stream': dispatchStream,
};

async function cpuPerCall(call) {
  let started = 0;
  const worker = async () => { while (started++ < N) await call(); };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: 50 }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
}

// HEAP=1: bytes allocated per call in the last round by allocating function (sampling heap
// profiler, objects already collected included), for the first selected call.
async function allocationsPerCall(call) {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  await cpuPerCall(call);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const bySite = new Map();
  const walk = (node) => {
    const site = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(profile.head);
  const total = [...bySite.values()].reduce((a, b) => a + b, 0);
  console.log(`allocated ≈ ${Math.round(total / N)} B per call; largest sites (B per call):`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${String(Math.round(bytes / N)).padStart(8)}  ${site}`);
}

const selected = Object.entries(calls).filter(([n]) => !ONLY || ONLY.includes(n));
for (let round = 1; round <= ROUNDS; round++) {
  const line = [];
  for (const [name, call] of selected) line.push(`${name} ${(await cpuPerCall(call)).toFixed(1)} µs`);
  console.log(`round ${round}: ${line.join('   ')}`);
}
if (process.env.HEAP) await allocationsPerCall(selected[0][1]);
await gateway.close();
await accounted.close();
await pool.close();
upstream.kill();
