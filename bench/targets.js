// The systems under test. Each start() returns {origin, headers, pid, child, cmd, notes}.
// Every proxy is pinned to CORE_PROXY; every one of them forwards to the same fake upstream.
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { spawnService, freePort, waitHttp, logTail, CORE_PROXY } from './procs.js';
import { INSPECT_FLAG } from './gc.js';
import { DRIP } from './drip.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH, '..');
const NODE = process.execPath;
const PROD = { NODE_ENV: 'production' };
const CLIENT = { 'content-type': 'application/json', authorization: 'Bearer anything' };

export const MODEL = 'fake/gpt-4o-mini';
/** The floor-spin target's busy-wait per request (bench/spin-preload.js reads the same variable). */
const SPIN_US = process.env.BENCH_SPIN_US ?? 20;
/** SWITCHYARD_SERVER_EXTRA: YAML flow entries added to the Switchyard targets' `server:` block, to compare a setting (A/B). */
const SERVER_EXTRA = process.env.SWITCHYARD_SERVER_EXTRA ?? '';
/** `drip`: the fake upstream sends the stream's events apart (bench/drip.js), as a model does. */
export function requestBody(stream, { drip = false } = {}) {
  return JSON.stringify({
    model: MODEL,
    messages: [
      { role: 'system', content: 'You are a concise assistant that answers benchmark questions.' },
      { role: 'user', content: 'Summarise in two sentences why a reverse proxy in front of an LLM API should add as little latency as possible.' },
    ],
    temperature: 0.2,
    max_tokens: 256,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    ...(drip ? { user: DRIP.user } : {}),
  });
}

/** A long conversation (≈16 KB: a 4 KB system prompt and 20 turns), for per-byte costs the short body hides. */
export function longConversationBody() {
  const text = (n) => 'The gateway forwards this turn of a long conversation; "quoted" words and a \\ backslash included. '.repeat(n);
  return JSON.stringify({
    model: MODEL,
    messages: [
      { role: 'system', content: text(40) },
      ...Array.from({ length: 20 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: text(6) })),
    ],
    temperature: 0.2,
    max_tokens: 256,
  });
}

/** e.g. "nginx/1.22.1", or null when nginx is not installed (`nginx -v` prints to stderr). */
export function nginxVersion() {
  const r = spawnSync('nginx', ['-v'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  if (r.error || r.status !== 0) return null;
  return `${r.stderr}${r.stdout}`.trim().replace(/^nginx version: /, '') || null;
}

async function startNode(name, ctx, args, env = {}) {
  const port = await freePort();
  const child = spawnService(CORE_PROXY, NODE, [INSPECT_FLAG, ...args(port)], { env: { ...PROD, ...env }, cwd: ROOT, logFile: path.join(ctx.tmp, `${name}.log`) });
  return { port, child, origin: `http://127.0.0.1:${port}`, gcable: true };
}

export const TARGETS = {
  direct: {
    label: 'direct', desc: 'load straight at the fake upstream (no proxy)',
    async start(ctx) { return { origin: ctx.upstream, headers: CLIENT, pid: null, cmd: '(none)', notes: [] }; },
  },

  floor: {
    label: 'floor', desc: 'bare Node.js passthrough (node:http + undici Pool, bytes unparsed)',
    async start(ctx) {
      const s = await startNode('floor', ctx, (p) => [path.join(BENCH, 'passthrough.js'), String(p), ctx.upstream]);
      await waitHttp(s.origin, '/', { child: s.child });
      return { ...s, headers: CLIENT, pid: s.child.pid, cmd: s.child.commandLine, notes: [] };
    },
  },

  'floor-json': {
    label: 'floor+json', desc: 'the passthrough + JSON.parse/stringify of request and response bodies',
    async start(ctx) {
      const s = await startNode('floor-json', ctx, (p) => [path.join(BENCH, 'passthrough-json.js'), String(p), ctx.upstream]);
      await waitHttp(s.origin, '/', { child: s.child });
      return { ...s, headers: CLIENT, pid: s.child.pid, cmd: s.child.commandLine, notes: [] };
    },
  },

  'floor-spin': {
    label: `floor+${SPIN_US}µs`, desc: 'the floor busy-waiting BENCH_SPIN_US µs (default 20) per request (bench/spin-preload.js): what a given amount of extra work costs at this load (opt-in: --target)',
    async start(ctx) {
      const s = await startNode('floor-spin', ctx, (p) => ['--import', path.join(BENCH, 'spin-preload.js'), path.join(BENCH, 'passthrough.js'), String(p), ctx.upstream]);
      await waitHttp(s.origin, '/', { child: s.child });
      return { ...s, headers: CLIENT, pid: s.child.pid, cmd: `BENCH_SPIN_US=${SPIN_US} ${s.child.commandLine}`, notes: [] };
    },
  },

  peer: {
    label: 'peer', desc: '@portkey-ai/gateway (node build/start-server.js --headless)',
    async start(ctx) {
      const entry = path.join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
      if (!existsSync(entry)) return { skip: '@portkey-ai/gateway is not installed' };
      const shim = ctx.opts.peerShim;
      const s = await startNode('peer', ctx, (p) => ['--import', path.join(BENCH, 'peer-preload.js'), entry, `--port=${p}`, '--headless'],
        { BENCH_PEER_STREAM_SHIM: shim ? '1' : '0' });
      await waitHttp(s.origin, '/', { child: s.child, timeoutMs: 30_000 });
      const headers = {
        'content-type': 'application/json', authorization: 'Bearer sk-bench-upstream',
        'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${ctx.upstream}/v1`,
      };
      const notes = shim ? ['stream shim on (bench/peer-preload.js): without it every stream request fails with 500 "TypeError: immutable" (Portkey-AI/gateway#1389, @hono/node-server 1.19.19)'] : [];
      return { ...s, headers, pid: s.child.pid, cmd: `BENCH_PEER_STREAM_SHIM=${shim ? 1 : 0} ${s.child.commandLine}`, notes };
    },
  },

  nginx: {
    label: 'nginx', desc: 'nginx keep-alive reverse proxy (1 worker, HTTP/1.1 upstream keepalive)',
    async start(ctx) {
      if (!nginxVersion()) return { skip: 'nginx is not installed (apt-get install -y nginx)' };
      const port = await freePort();
      const dir = path.join(ctx.tmp, 'nginx');
      mkdirSync(dir, { recursive: true });
      const up = new URL(ctx.upstream);
      writeFileSync(path.join(dir, 'nginx.conf'), nginxConf(dir, port, up.host));
      const child = spawnService(CORE_PROXY, 'nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')],
        { cwd: dir, logFile: path.join(ctx.tmp, 'nginx.log') });
      const origin = `http://127.0.0.1:${port}`;
      try { await waitHttp(origin, '/', { child }); } catch (e) { throw new Error(`${e.message}\n${logTail(child)}`); }
      return { origin, child, port, headers: CLIENT, pid: child.pid, cmd: child.commandLine, notes: [] };
    },
  },

  switchyard: {
    label: 'switchyard', desc: 'Switchyard, storage memory:// (an in-process ledger: the newest 10,000 rows, older ones folded into hourly totals)',
    start: (ctx) => startSwitchyard(ctx, 'plain'),
  },

  'switchyard-acct': {
    label: 'switchyard+acct', desc: 'Switchyard with the sqlite ledger and a virtual key',
    start: (ctx) => startSwitchyard(ctx, 'acct'),
  },

  'switchyard-shared': {
    label: 'switchyard+shared', desc: 'Switchyard as several instances run it: the PostgreSQL ledger (BENCH_POSTGRES_URL, schema switchyard_bench), Redis state (BENCH_REDIS_URL) and a virtual key with rpm, tpm and a budget (opt-in: --target)',
    start: (ctx) => startSwitchyard(ctx, 'shared'),
  },
};

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SHARED_SCHEMA = 'switchyard_bench';

/** A fresh schema for the shared target's ledger, keys and audit log (left for inspection; the next run drops it). */
async function freshPostgresSchema() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${SHARED_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${SHARED_SCHEMA}`);
  } finally {
    await client.end();
  }
  return `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${SHARED_SCHEMA}`)}`;
}

/** A key with every limit, each far above what a run sends: every request pays for every check and none is refused. */
export const UNBINDING_KEY = { name: 'bench', rpm: 100_000_000, tpm: 2_000_000_000, budget_usd: 1000000, budget_period: 'daily' };

/** POST /admin/keys with the master key: `{ key }` (the secret), or `{ error }` saying what came back. */
export async function createVirtualKey(origin, master, body) {
  const r = await request(`${origin}/admin/keys`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${master}` },
    body: JSON.stringify(body),
  });
  const text = await r.body.text();
  if (r.statusCode === 404) return { error: 'POST /admin/keys answered 404 (virtual keys not implemented yet)' };
  let key;
  try { key = JSON.parse(text).key; } catch { /* below */ }
  if (r.statusCode >= 300 || !key) return { error: `POST /admin/keys answered ${r.statusCode}: ${text.slice(0, 200)}` };
  return { key };
}

/** Storage and state for each Switchyard target, and the virtual key it is driven with (none for the plain one). */
async function switchyardMode(ctx, mode) {
  if (mode === 'plain') return { storage: 'memory://' };
  if (mode === 'acct') return { storage: `sqlite://${path.join(ctx.tmp, 'bench.db')}`, key: { name: 'bench', budget_usd: 1000000 }, note: 'sqlite ledger' };
  const { redisReachable } = await import(path.join(ROOT, 'dist/state/redis-state.js'));
  if (!(await redisReachable(REDIS_URL))) return { skip: `no Redis at ${REDIS_URL} (BENCH_REDIS_URL)` };
  let storage;
  try { storage = await freshPostgresSchema(); } catch (e) { return { skip: `no PostgreSQL at ${POSTGRES_URL} (BENCH_POSTGRES_URL): ${e.message}` }; }
  return {
    storage, state: REDIS_URL, note: `PostgreSQL ledger (schema ${SHARED_SCHEMA}), Redis state; the key's rpm, tpm and daily budget never bind`,
    key: UNBINDING_KEY,
  };
}

function nginxConf(dir, port, upstreamHost) {
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  return `${user}worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  # Request bodies stay in memory up to 1 MB, as in every Node.js target (the default 16 KB
  # sends a long conversation to a temp file on disk first).
  client_body_buffer_size 1m;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  upstream fake {
    server ${upstreamHost};
    keepalive 256;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}

async function startSwitchyard(ctx, mode) {
  const bin = path.join(ROOT, 'bin/switchyard.js');
  if (!existsSync(bin)) return { skip: 'bin/switchyard.js does not exist yet' };
  if (!existsSync(path.join(ROOT, 'dist'))) return { skip: 'dist/ missing: run `npm run build` (or pass --build)' };
  const name = mode === 'plain' ? 'switchyard' : `switchyard-${mode}`;
  const setup = await switchyardMode(ctx, mode);
  if (setup.skip) return { skip: setup.skip };
  const port = await freePort();
  const master = setup.key ? `sk-bench-master-${randomBytes(12).toString('hex')}` : null;
  const cfg = path.join(ctx.tmp, `${name}.yaml`);
  writeFileSync(cfg, [
    `server: { host: 127.0.0.1, port: ${port}${master ? `, master_key: "${master}"` : ''}${SERVER_EXTRA ? `, ${SERVER_EXTRA}` : ''} }`,
    `storage: { url: "${setup.storage}" }`,
    ...(setup.state ? [`state: { url: "${setup.state}" }`] : []),
    'providers:',
    // max_connections: Switchyard pools at most 1,024 upstream connections per provider by default; keep the
    // pool above the open-streams count (--open-streams may exceed it) so that test measures memory, not the cap.
    `  fake: { type: openai-compatible, base_url: "${ctx.upstream}/v1", api_key: "sk-bench-upstream", max_connections: ${ctx.opts.openStreams + 64} }`,
    '',
  ].join('\n'));
  // SWITCHYARD_NODE_FLAGS: extra Node.js flags for the Switchyard targets only, to compare a tuning (A/B).
  const nodeFlags = (process.env.SWITCHYARD_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawnService(CORE_PROXY, NODE, [INSPECT_FLAG, ...nodeFlags, bin, 'start', '--config', cfg, '--port', String(port), '--host', '127.0.0.1'],
    { env: PROD, cwd: ROOT, logFile: path.join(ctx.tmp, `${name}.log`) });
  const origin = `http://127.0.0.1:${port}`;
  try { await waitHttp(origin, '/health', { child, timeoutMs: 30_000, ok: (s) => s === 200 }); } catch (e) {
    throw new Error(`${e.message}\n${logTail(child)}`);
  }
  const t = { origin, child, port, headers: CLIENT, pid: child.pid, cmd: child.commandLine, config: cfg, gcable: true,
    notes: [`providers.fake.max_connections: ${ctx.opts.openStreams + 64} (open streams + 64; the default 1,024 caps concurrent upstream streams)`,
      ...(nodeFlags.length ? [`Node.js flags from SWITCHYARD_NODE_FLAGS: ${nodeFlags.join(' ')}`] : []),
      ...(SERVER_EXTRA ? [`server settings from SWITCHYARD_SERVER_EXTRA: ${SERVER_EXTRA}`] : [])] };
  if (!setup.key) return t;
  const { key, error } = await createVirtualKey(origin, master, setup.key);
  if (error) return { ...t, skip: error };
  return { ...t, headers: { ...CLIENT, authorization: `Bearer ${key}` }, notes: [...t.notes, `virtual key from POST /admin/keys; ${setup.note}`] };
}
