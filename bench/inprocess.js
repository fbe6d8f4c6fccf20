// Switchyard's own JavaScript cost per non-stream request, without the HTTP server:
// CPU µs per call of gateway.handle() (the whole HTTP handler), gateway.chat() (the chat
// pipeline without HTTP parsing and reply serialization) and a bare undici dispatch to the
// same fake upstream (the transport alone), interleaved, 50 concurrent calls.
// Usage: npm run build && taskset -c 0 node bench/inprocess.js [rounds=4] [requests=20000]
// ONLY=chat,handle runs only those (e.g. under --cpu-prof). The first round includes JIT warm-up; read the later ones.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createGateway } from '../dist/gateway/gateway.js';
import { NEVER_CANCELLED } from '../dist/core/cancel-signal.js';
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
const pool = new Pool(`http://127.0.0.1:${PORT}`, { connections: 1100 });

const body = Buffer.from(requestBody(false));
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

const ONLY = process.env.ONLY?.split(',');
const calls = {
  handle: () => gateway.handle({ method: 'POST', path: '/v1/chat/completions', query: new URLSearchParams(), headers, body, signal: NEVER_CANCELLED })
    .then((reply) => { if (reply.status !== 200) throw new Error(String(reply.body)); }),
  chat: () => gateway.chat(parsed),
  transport: dispatch,
};

async function cpuPerCall(call) {
  let started = 0;
  const worker = async () => { while (started++ < N) await call(); };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: 50 }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
}

for (let round = 1; round <= ROUNDS; round++) {
  const line = [];
  for (const [name, call] of Object.entries(calls).filter(([n]) => !ONLY || ONLY.includes(n))) line.push(`${name} ${(await cpuPerCall(call)).toFixed(1)} µs`);
  console.log(`round ${round}: ${line.join('   ')}`);
}
await gateway.close();
await pool.close();
upstream.kill();
