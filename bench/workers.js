// How throughput scales with `switchyard start --workers N` (node:cluster), N = 1 … cores.
// Switchyard may use every core; the fake upstream and autocannon stay on core 1 as in the main
// suite, so on a small machine the load side competes with the workers: read the scaling with
// the "core 1 busy" column. Runs interleaved (1, 2, … N, 1, 2, …), medians over rounds.
// Usage: npm run build && node bench/workers.js [--rounds 3] [--duration 10] [--max N]
import os from 'node:os';
import path from 'node:path';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { spawnService, freePort, waitHttp, stopChild, stopAll, pinSelf, CORE_LOAD, sleep } from './procs.js';
import { cannonRun } from './sections.js';
import { median, fmt } from './stats.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const { values: v } = parseArgs({ options: { rounds: { type: 'string' }, duration: { type: 'string' }, max: { type: 'string' } } });
const cores = os.cpus().length;
const rounds = Number(v.rounds ?? 3), duration = Number(v.duration ?? 10), max = Number(v.max ?? cores);
const allCores = `0-${cores - 1}`;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'switchyard-workers-'));
pinSelf(CORE_LOAD);

const upPort = await freePort();
const upstream = spawnService(CORE_LOAD, process.execPath, [path.join(BENCH, 'fake-upstream.js'), String(upPort)], { env: {}, cwd: ROOT, logFile: path.join(tmp, 'upstream.log') });
const upstreamOrigin = `http://127.0.0.1:${upPort}`;
await waitHttp(upstreamOrigin, '/__stats', { child: upstream });

async function startSwitchyard(workers) {
  const port = await freePort();
  const config = path.join(tmp, `workers-${workers}.yaml`);
  writeFileSync(config, [
    `server: { host: 127.0.0.1, port: ${port} }`,
    // Workers share one ledger (memory:// is per process, so --workers refuses it); every N uses the same.
    `storage: { url: "sqlite://${path.join(tmp, `workers-${workers}-${Date.now()}.db`)}" }`,
    'providers:',
    `  fake: { type: openai-compatible, base_url: "${upstreamOrigin}/v1", api_key: "sk-bench-upstream" }`,
    '',
  ].join('\n'));
  const child = spawnService(allCores, process.execPath, [path.join(ROOT, 'bin/switchyard.js'), 'start', '--config', config, '--workers', String(workers)],
    { env: { NODE_ENV: 'production' }, cwd: ROOT, logFile: path.join(tmp, `workers-${workers}.log`) });
  const origin = `http://127.0.0.1:${port}`;
  await waitHttp(origin, '/health', { child, timeoutMs: 30_000, ok: (s) => s === 200 });
  return { child, origin };
}

// The main suite's measured run: CPU of the whole process tree (primary + workers), load side's share, errors.
const ctx = { upstreamPid: upstream.pid, opts: { connections: 50 } };
const CLIENT = { 'content-type': 'application/json', authorization: 'Bearer anything' };

const results = {};
for (let r = 0; r < rounds; r++) {
  for (let workers = 1; workers <= max; workers++) {
    const s = await startSwitchyard(workers);
    const target = { origin: s.origin, headers: CLIENT, pid: s.child.pid };
    await cannonRun(ctx, target, { duration: 2 }); // warm-up: JIT and pools in every worker
    await sleep(300);
    const rec = await cannonRun(ctx, target, { duration });
    (results[workers] ??= []).push(rec);
    console.log(`[round ${r + 1}/${rounds}] workers ${workers}: ${fmt(rec.rps, 0)} req/s, ${fmt(rec.cpuUs)} µs CPU/req, core 1 busy ${fmt(100 * rec.core1, 0)} %`);
    await stopChild(s.child);
  }
}
await stopChild(upstream);
await stopAll();
if (!process.env.KEEP) rmSync(tmp, { recursive: true, force: true });

const base = median(results[1].map((x) => x.rps));
const lines = ['| workers | req/s | × one worker | CPU µs/req | p99 ms | core 1 busy (load side) | errors |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
for (const [workers, rs] of Object.entries(results)) {
  const rps = median(rs.map((x) => x.rps));
  lines.push(`| ${workers} | ${fmt(rps, 0)} | ${fmt(rps / base, 2)}× | ${fmt(median(rs.map((x) => x.cpuUs)))} | ${fmt(median(rs.map((x) => x.p99)))} | ${fmt(100 * median(rs.map((x) => x.core1)), 0)} % | ${rs.reduce((n, x) => n + x.errors, 0)} |`);
}
const report = [
  '# Switchyard: throughput by number of workers', '',
  `Run ${new Date().toISOString()}: \`${['node bench/workers.js', ...process.argv.slice(2)].join(' ')}\` on ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${cores} cores, node ${process.version}.`,
  `Medians over ${rounds} interleaved round(s) of ${duration} s; non-stream, 50 connections (autocannon); SQLite ledger.`,
  'Switchyard may use every core; the fake upstream and autocannon run on core 1, so with as many workers as cores the',
  'load side competes with a worker (its share is the "core 1 busy" column).', '',
  ...lines, '',
];
writeFileSync(path.join(BENCH, 'workers.md'), report.join('\n'));
console.log(`\n${report.join('\n')}written: bench/workers.md`);
