// How throughput scales with `switchyard start --workers N` (node:cluster), N = 1 … cores.
// Switchyard may use every core; the fake upstream and autocannon stay on core 1 as in the main
// suite, so on a small machine the load side competes with the workers: read the scaling with
// the "core 1 busy" column. Runs interleaved (1, 2, … N, 1, 2, …), medians over rounds.
// Usage: npm run build && node bench/workers.js [--rounds 3] [--duration 10] [--max N] [--key]
// --key also drives each N with a virtual key with rpm, tpm and a budget (limits that never bind), whose
// state the primary holds for every worker (IPC), interleaved with the runs without a key.
import os from 'node:os';
import path from 'node:path';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { spawnService, freePort, waitHttp, stopChild, stopAll, pinSelf, CORE_LOAD, sleep } from './procs.js';
import { cannonRun } from './sections.js';
import { createVirtualKey, UNBINDING_KEY } from './targets.js';
import { median, fmt } from './stats.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const { values: v } = parseArgs({ options: { rounds: { type: 'string' }, duration: { type: 'string' }, max: { type: 'string' }, key: { type: 'boolean' } } });
const cores = os.cpus().length;
const rounds = Number(v.rounds ?? 3), duration = Number(v.duration ?? 10), max = Number(v.max ?? cores);
const allCores = `0-${cores - 1}`;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'switchyard-workers-'));
pinSelf(CORE_LOAD);

const upPort = await freePort();
const upstream = spawnService(CORE_LOAD, process.execPath, [path.join(BENCH, 'fake-upstream.js'), String(upPort)], { env: {}, cwd: ROOT, logFile: path.join(tmp, 'upstream.log') });
const upstreamOrigin = `http://127.0.0.1:${upPort}`;
await waitHttp(upstreamOrigin, '/__stats', { child: upstream });

// SWITCHYARD_BIN=/path/to/bin.js runs another build (for an A/B, alternate whole runs).
const BIN = process.env.SWITCHYARD_BIN ?? path.join(ROOT, 'bin/switchyard.js');
const MASTER = `sk-bench-master-${randomBytes(12).toString('hex')}`;
/** Every variant: none, or a key whose limits never bind (the primary still answers each check). */
const VARIANTS = v.key ? ['no key', 'key'] : ['no key'];

async function startSwitchyard(workers, variant) {
  const port = await freePort();
  const config = path.join(tmp, `workers-${workers}.yaml`);
  writeFileSync(config, [
    // A master key (needed to create the virtual key) makes every request need a key: only for that variant.
    `server: { host: 127.0.0.1, port: ${port}${variant === 'key' ? `, master_key: "${MASTER}"` : ''} }`,
    // Workers share one ledger (memory:// is per process, so --workers refuses it); every N uses the same.
    `storage: { url: "sqlite://${path.join(tmp, `workers-${workers}-${Date.now()}.db`)}" }`,
    'providers:',
    `  fake: { type: openai-compatible, base_url: "${upstreamOrigin}/v1", api_key: "sk-bench-upstream" }`,
    '',
  ].join('\n'));
  const child = spawnService(allCores, process.execPath, [BIN, 'start', '--config', config, '--workers', String(workers)],
    { env: { NODE_ENV: 'production' }, cwd: ROOT, logFile: path.join(tmp, `workers-${workers}.log`) });
  const origin = `http://127.0.0.1:${port}`;
  await waitHttp(origin, '/health', { child, timeoutMs: 30_000, ok: (s) => s === 200 });
  return { child, origin };
}

// The main suite's measured run: CPU of the whole process tree (primary + workers), load side's share, errors.
const ctx = { upstreamPid: upstream.pid, opts: { connections: 50 } };
const CLIENT = { 'content-type': 'application/json', authorization: 'Bearer anything' };

async function createKey(origin) {
  const { key, error } = await createVirtualKey(origin, MASTER, UNBINDING_KEY);
  if (error) throw new Error(error);
  return key;
}

const results = {};
for (let r = 0; r < rounds; r++) {
  for (let workers = 1; workers <= max; workers++) {
    for (const variant of VARIANTS) {
      const s = await startSwitchyard(workers, variant);
      const headers = variant === 'key' ? { ...CLIENT, authorization: `Bearer ${await createKey(s.origin)}` } : CLIENT;
      const target = { origin: s.origin, headers, pid: s.child.pid };
      await cannonRun(ctx, target, { duration: 2 }); // warm-up: JIT and pools in every worker
      await sleep(300);
      const rec = await cannonRun(ctx, target, { duration });
      ((results[variant] ??= {})[workers] ??= []).push(rec);
      console.log(`[round ${r + 1}/${rounds}] workers ${workers}, ${variant}: ${fmt(rec.rps, 0)} req/s, ${fmt(rec.cpuUs)} µs CPU/req, core 1 busy ${fmt(100 * rec.core1, 0)} %`);
      await stopChild(s.child);
    }
  }
}
await stopChild(upstream);
await stopAll();
if (!process.env.KEEP) rmSync(tmp, { recursive: true, force: true });

const base = median(results['no key'][1].map((x) => x.rps));
const lines = ['| workers | key | req/s | × one worker | CPU µs/req | p99 ms | core 1 busy (load side) | errors |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
for (let workers = 1; workers <= max; workers++) {
  for (const variant of VARIANTS) {
    const rs = results[variant][workers];
    const rps = median(rs.map((x) => x.rps));
    lines.push(`| ${workers} | ${variant === 'key' ? `rpm, tpm, budget (state ${workers === 1 ? 'in process' : 'in the primary'})` : 'none'} | ${fmt(rps, 0)} | ${fmt(rps / base, 2)}× | ${fmt(median(rs.map((x) => x.cpuUs)))} | ${fmt(median(rs.map((x) => x.p99)))} | ${fmt(100 * median(rs.map((x) => x.core1)), 0)} % | ${rs.reduce((n, x) => n + x.errors, 0)} |`);
  }
}
const report = [
  '# Switchyard: throughput by number of workers', '',
  `Run ${new Date().toISOString()}: \`${['node bench/workers.js', ...process.argv.slice(2)].join(' ')}\` on ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${cores} cores, node ${process.version}.`,
  `Medians over ${rounds} interleaved round(s) of ${duration} s; non-stream, 50 connections (autocannon); SQLite ledger.`,
  'Switchyard may use every core; the fake upstream and autocannon run on core 1, so with as many workers as cores the',
  'load side competes with a worker (its share is the "core 1 busy" column).',
  ...(v.key ? ['With a key (limits that never bind), every request checks its rate limits and budget before the upstream call and settles',
    'after: in process with one worker (a single process, no primary), over IPC to the primary with more. "× one worker" is against one', 'worker without a key.'] : []), '',
  ...lines, '',
];
writeFileSync(path.join(BENCH, 'workers.md'), report.join('\n'));
console.log(`\n${report.join('\n')}written: bench/workers.md`);
