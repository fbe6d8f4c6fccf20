// What one open stream keeps alive inside Switchyard: heap bytes per held stream and, from
// the sampling heap profiler, the allocation sites of the objects still alive while N
// streams are held open (the fake upstream sends its first write, role and first content, and waits).
// Usage: npm run build && node --expose-gc bench/stream-memory.js [streams=1000]
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { createGateway } from '../dist/gateway/gateway.js';
import { startServer } from '../dist/server/http-server.js';
import { freePort } from './procs.js';
import { requestBody } from './targets.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv[2] ?? 1000);
if (typeof gc !== 'function') throw new Error('run with node --expose-gc');

const upstreamPort = await freePort();
const upstream = spawn(process.execPath, [path.join(BENCH, 'fake-upstream.js'), String(upstreamPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => upstream.stdout.once('data', resolve));
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
const gateway = await createGateway({
  config: {
    storage: { url: 'memory://' },
    log: { level: 'error' },
    providers: { fake: { type: 'openai-compatible', base_url: `${upstreamUrl}/v1`, api_key: 'sk-bench-upstream', max_connections: N + 64 } },
  },
});
const server = await startServer(gateway, { host: '127.0.0.1', port: 0 });
const headers = { 'content-type': 'application/json', authorization: 'Bearer anything' };

/** Opens n streams in a child process; resolves once all got their first chunk, with a release function. */
function holdStreams(n) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(BENCH, 'hold-streams.js'), JSON.stringify({ origin: server.url, path: '/v1/chat/completions', headers, body: requestBody(true), n })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    const finished = new Promise((done) => child.once('exit', done));
    child.stdout.on('data', (data) => {
      buffered += data;
      for (let at; (at = buffered.indexOf('\n')) >= 0; buffered = buffered.slice(at + 1)) {
        const line = JSON.parse(buffered.slice(0, at));
        if (line.phase !== 'open') continue;
        if (line.open !== n) reject(new Error(`only ${line.open} of ${n} streams opened: ${line.firstError}`));
        resolve({ release: async () => { await request(`${upstreamUrl}/__release`, { method: 'POST' }).then((r) => r.body.dump()); await finished; } });
      }
    });
  });
}

const heapUsed = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
const control = (what) => request(`${upstreamUrl}/__${what}`, { method: 'POST' }).then((r) => r.body.dump());

// Warm-up: JIT, connection pools, the first-use allocations of every path.
await control('hold');
await (await holdStreams(Math.min(N, 200))).release();

const session = new Session();
session.connect();
await control('hold');
const before = heapUsed();
await session.post('HeapProfiler.startSampling', { samplingInterval: 128 });
const held = await holdStreams(N);
const after = heapUsed();
const { profile } = await session.post('HeapProfiler.stopSampling');
const rss = process.memoryUsage().rss;
await held.release();

const bySite = new Map();
const frameName = (frame) => `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
// Built-ins (push, bind, Promise…) are named with their caller, which says whose they are.
const walk = (node, caller) => {
  const own = frameName(node.callFrame);
  const site = node.callFrame.url === '' && caller ? `${own} ← ${caller}` : own;
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child, node.callFrame.url === '' ? caller : own);
};
walk(profile.head, undefined);
console.log(`${N} streams held open: heap ${((after - before) / N / 1024).toFixed(1)} KB per stream (after a full GC), process RSS ${(rss / 1048576).toFixed(0)} MB`);
console.log('live bytes per stream by allocation site (sampled):');
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${String(Math.round(bytes / N)).padStart(7)}  ${site}`);

await server.close(1000);
await gateway.close();
upstream.kill();
