// Switchyard's own JavaScript cost per non-stream request, without the HTTP server:
// CPU µs per call of gateway.handle() (the whole HTTP handler), gateway.chat() (the chat
// pipeline without HTTP parsing and reply serialization) and a bare undici dispatch to the
// same fake upstream (the transport alone), interleaved, 50 concurrent calls.
// Usage: npm run build && taskset -c 0 node bench/inprocess.js [rounds=4] [requests=20000]
// handle-acct is handle() with the SQLite ledger and a virtual key with a budget (section 6).
// handle-stream is the same for a streamed request (22 SSE events) with the SSE text consumed.
// DIST=/path/to/dist compares another build (A/B). ONLY=chat,handle runs only those (e.g. under --cpu-prof). The first round includes JIT warm-up; read the later ones.
// CONCURRENCY=1 makes the calls one at a time (default 50), as at a low paced rate.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
const DIST = process.env.DIST ?? '../dist';
const { createGateway } = await import(`${DIST}/gateway/gateway.js`);
const { NEVER_CANCELLED } = await import(`${DIST}/core/cancel-signal.js`);
import { CHAT_BODY, cpuPerCall, gatewayCalls, printRounds, selectedCalls } from './gateway-calls.js';
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

const parsed = JSON.parse(CHAT_BODY.toString());
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

const calls = {
  ...gatewayCalls(gateway, NEVER_CANCELLED),
  'handle-acct': gatewayCalls(accounted, NEVER_CANCELLED, `Bearer ${virtualKey}`).handle,
  transport: dispatch,
  'transport-stream': dispatchStream,
};

// HEAP=1: bytes allocated per call in the last round by allocating function (sampling heap
// profiler, objects already collected included), for the first selected call.
async function allocationsPerCall(call) {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  await cpuPerCall(call, N);
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

const selected = selectedCalls(calls);
await printRounds(selected, ROUNDS, N);
if (process.env.HEAP) await allocationsPerCall(selected[0][1]);
await gateway.close();
await accounted.close();
await pool.close();
upstream.kill();
