#!/usr/bin/env node
// npm run bench [-- --quick | --soak | --rounds N --duration S --target switchyard,floor …]
// Orchestrates: fake upstream → targets → sections (interleaved rounds) → table + bench/results.md.
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, spawnService, stopAll, stopChild, pinSelf, waitHttp, freePort, sleep, HAS_TASKSET, CORE_LOAD } from './procs.js';
import { rssKb, CLK_TCK } from './measure.js';
import { TARGETS, ROOT, nginxVersion, longConversationBody } from './targets.js';
import * as sec from './sections.js';
import { markdown } from './report.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const SECTIONS = ['throughput', 'long', 'paced', 'streaming', 'memory', 'soak', 'accounting'];
const ALIASES = { 'floor+json': 'floor-json', portkey: 'peer', 'switchyard+acct': 'switchyard-acct', 'switchyard+shared': 'switchyard-shared' };
const USAGE = `usage: node bench/run.js [options]
  --quick              fast smoke run of every section (1 round, short runs, 20k-request soak)
  --rounds N           interleaved rounds per measurement (default 3)
  --duration S         seconds per measured run (default 10)
  --target a,b         only these targets (${Object.keys(TARGETS).filter((t) => t !== 'switchyard-acct').join(', ')}); direct is always kept as the baseline
  --only a,b           only these sections (${SECTIONS.join(', ')})
  --soak               only the soak (same as --only soak)
  --soak-requests N    soak size (default 200000)   --soak-max-seconds S  per-target cap (default 300;
                       the peer, at ~200 req/s, is capped at 60 s)
  --rates a,b          paced rates (default 1000,2000)   --stream-rate N  paced rate for TTFB (default 500)
  --connections N      closed-loop connections (default 50)   --open-streams N  (default 1000)
  --quiet-wait S       before each run, wait up to S s for other processes on this shared box to go quiet
                       (default 30, --quick 5, 0 = don't wait); noisy runs are repeated once
  --no-peer-shim       run Portkey without the streaming shim (its streaming then fails)
  --build              run \`npm run build\` before starting Switchyard
  --out FILE           report path (default bench/results.md; --quick: bench/results-quick.md)
env SWITCHYARD_NODE_FLAGS="--max-semi-space-size=4 …"  extra Node.js flags for the Switchyard targets only (A/B a tuning)
env SWITCHYARD_SERVER_EXTRA="heap_growth_percent: 150"  settings added to the Switchyard targets' server: block (A/B a setting)
env BENCH_SPIN_US=20   the floor-spin target's busy-wait per request (opt-in: --target floor,floor-spin,switchyard): what
                       that much extra work costs in CPU per request at this load
env BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test  BENCH_REDIS_URL=redis://127.0.0.1:6379
                       the services of the switchyard-shared target (opt-in: --only throughput,paced
                       --target switchyard,switchyard-shared): the several-instance configuration`;

function options() {
  const { values: v } = parseArgs({ options: {
    quick: { type: 'boolean' }, soak: { type: 'boolean' }, rounds: { type: 'string' }, duration: { type: 'string' },
    target: { type: 'string' }, only: { type: 'string' }, 'soak-requests': { type: 'string' }, 'soak-max-seconds': { type: 'string' },
    rates: { type: 'string' }, 'stream-rate': { type: 'string' }, connections: { type: 'string' }, 'open-streams': { type: 'string' },
    'no-peer-shim': { type: 'boolean' }, 'quiet-wait': { type: 'string' }, build: { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  } });
  if (v.help) { console.log(USAGE); process.exit(0); }
  const q = !!v.quick;
  const num = (s, d, zeroOk = false) => {
    if (s == null) return d;
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroOk)) throw new Error(`bad number: ${s}`);
    return n;
  };
  const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const o = {
    quick: q, rounds: Math.floor(num(v.rounds, q ? 1 : 3)), duration: num(v.duration, q ? 2 : 10),
    warmup: q ? 1 : 3, pacedWarmup: q ? 0.5 : 1, connections: num(v.connections, 50),
    rates: v.rates ? list(v.rates).map(Number) : [1000, 2000], streamRate: num(v['stream-rate'], 500),
    openStreams: Math.floor(num(v['open-streams'], 1000)), soakRequests: Math.floor(num(v['soak-requests'], q ? 20_000 : 200_000)),
    soakMaxSeconds: num(v['soak-max-seconds'], q ? 30 : 300), peerSoakMaxSeconds: q ? 15 : 60, soakChunk: q ? 2 : 5,
    settleMs: q ? 5000 : 10_000, idleMs: 20_000,
    quietThreshold: 0.25, noisyCores: 0.3, quietMaxWait: num(v['quiet-wait'], q ? 5 : 30, true), quietBudget: q ? 60 : 600,
    peerShim: !v['no-peer-shim'], build: !!v.build,
    out: path.resolve(v.out ?? path.join(BENCH, q ? 'results-quick.md' : 'results.md')),
  };
  o.sections = v.soak ? ['soak'] : v.only ? list(v.only) : SECTIONS;
  for (const s of o.sections) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}\n${USAGE}`);
  const wanted = v.target ? list(v.target).map((t) => ALIASES[t] ?? t) : ['floor', 'floor-json', 'peer', 'nginx', 'switchyard'];
  for (const t of wanted) if (!TARGETS[t]) throw new Error(`unknown target ${t}\n${USAGE}`);
  o.targets = ['direct', ...wanted.filter((t) => t !== 'direct' && t !== 'switchyard-acct')];
  o.accounting = o.sections.includes('accounting') && (wanted.includes('switchyard') || wanted.includes('switchyard-acct'));
  if (o.accounting && !o.targets.includes('switchyard')) o.targets.push('switchyard');
  return o;
}

const pkgVersion = (name) => {
  try { return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; }
};

function distBuilt() {
  try { return statSync(path.join(ROOT, 'dist/index.js')).mtime.toISOString(); } catch { return null; }
}

function machine() {
  const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
  return { cpu, cores: os.cpus().length, node: process.version, nginx: nginxVersion(), kernel: `${os.type()} ${os.release()}`,
    memGb: (os.totalmem() / 2 ** 30).toFixed(1), loadStart: os.loadavg().map((x) => x.toFixed(2)).join(' ') };
}

async function main() {
  const opts = options();
  const log = (s) => console.log(s);
  pinSelf(CORE_LOAD);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-'));
  const R = { meta: { startedAt: new Date().toISOString(), opts, machine: machine(), taskset: HAS_TASKSET, clkTck: CLK_TCK,
    command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(), targets: {}, longBodyBytes: Buffer.byteLength(longConversationBody()),
    versions: { switchyard: JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version, 'switchyard dist/ built': distBuilt(), undici: pkgVersion('undici'),
      autocannon: pkgVersion('autocannon'), '@portkey-ai/gateway': pkgVersion('@portkey-ai/gateway'), '@hono/node-server': pkgVersion('@hono/node-server'),
      hono: pkgVersion('hono'), nginx: nginxVersion() } }, idle: {}, skipped: {} };
  const finish = () => {
    R.meta.finishedAt = new Date().toISOString();
    R.meta.machine.loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
    const { text } = markdown(R);
    writeFileSync(opts.out, text + '\n');
    writeFileSync(opts.out.replace(/\.md$/, '') + '.json', JSON.stringify(R, null, 1) + '\n');
    return text;
  };
  installCleanup(async () => { try { finish(); log(`partial report written to ${opts.out}`); } catch { /* ignore */ } rmSync(tmp, { recursive: true, force: true }); });

  try {
    await body(opts, R, tmp, log);
  } catch (e) {
    console.error(`bench failed: ${e?.stack || e}`);
    await stopAll(1500);
    try { finish(); log(`partial report written to ${opts.out}`); } catch { /* ignore */ }
    rmSync(tmp, { recursive: true, force: true });
    process.exit(1);
  }
  await stopAll();
  const text = finish();
  log('\n' + text);
  log(`\nwritten: ${path.relative(ROOT, opts.out)} (+ .json)`);
  rmSync(tmp, { recursive: true, force: true });
}

async function body(opts, R, tmp, log) {
  log(`switchyard bench: ${opts.sections.join(', ')} | targets ${opts.targets.join(', ')} | ${opts.rounds} round(s) × ${opts.duration} s | taskset ${HAS_TASKSET ? 'yes' : 'NO'}`);
  if (!HAS_TASKSET) log('note: taskset not found: processes are not pinned, numbers are noisier');
  if (opts.build && existsSync(path.join(ROOT, 'bin/switchyard.js'))) { log('npm run build …'); execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }); }

  // fake upstream (core 1)
  const upPort = await freePort();
  const upChild = spawnService(CORE_LOAD, process.execPath, [path.join(BENCH, 'fake-upstream.js'), String(upPort)], { cwd: ROOT, logFile: path.join(tmp, 'upstream.log') });
  const ctx = { opts, tmp, log, upstream: `http://127.0.0.1:${upPort}`, upstreamPid: upChild.pid, live: {},
    quietBudgetMs: opts.quietMaxWait ? opts.quietBudget * 1000 : 0 };
  await waitHttp(ctx.upstream, '/__stats', { child: upChild });
  R.meta.targets.upstream = { label: 'fake upstream', desc: 'bench/fake-upstream.js', cmd: upChild.commandLine, streamOk: true };

  // targets
  // Idle RSS is read after `idleMs` without requests, for every target alike: a process that
  // gives memory back once quiet (Switchyard's server.idle_trim_ms) shows it, one that keeps its
  // peak shows that. The quiet waits are shared: every target starts, then one wait, then readings.
  const startOne = async (name, { keepIdle = false } = {}) => {
    const def = TARGETS[name];
    const meta = R.meta.targets[name] = { label: def.label, desc: def.desc };
    try {
      const t = await def.start(ctx);
      meta.cmd = t.cmd; meta.notes = t.notes;
      if (t.skip) { meta.skip = t.skip; log(`- ${name}: SKIPPED (${t.skip})`); if (t.child) await stopChild(t.child); return; }
      const v = await sec.verify(ctx, t);
      Object.assign(meta, v); t.streamOk = v.streamOk;
      t.idleKey = keepIdle && R.idle[name] ? `${name} (fresh)` : name;
      ctx.live[name] = t;
      log(`- ${name}: ${t.origin} pid ${t.pid ?? '–'} ok${v.streamOk ? '' : `, streaming NOT ok (${v.streamNote})`}${t.notes?.length ? ` [${t.notes.join('; ')}]` : ''}`);
    } catch (e) {
      meta.skip = `failed to start/verify: ${e.message.split('\n')[0]}`;
      log(`- ${name}: FAILED: ${e.message}`);
    }
  };
  const readIdle = async (names) => {
    const withPid = names.filter((n) => ctx.live[n]?.pid);
    log(`  idle readings: ${opts.idleMs / 1000} s without requests …`);
    await sleep(opts.idleMs);
    for (const n of withPid) R.idle[ctx.live[n].idleKey] = { startKb: rssKb(ctx.live[n].pid) };
    for (const n of names.filter((x) => ctx.live[x])) await sec.warmup(ctx, ctx.live[n], ctx.live[n].streamOk);
    await sleep(opts.idleMs);
    for (const n of withPid) R.idle[ctx.live[n].idleKey].warmKb = await sec.stableRss(ctx.live[n].pid, opts.settleMs);
  };
  const startAll = async (names, options) => {
    for (const name of names) await startOne(name, options?.(name));
    await readIdle(names);
  };
  await startAll(opts.targets);
  const live = (filter = () => true) => opts.targets.filter((n) => ctx.live[n] && filter(ctx.live[n]));
  const proxies = (f) => live(f).filter((n) => n !== 'direct');

  for (const s of opts.sections) {
    log(`\n== ${s} ==`);
    if (s === 'throughput') R.throughput = await sec.throughput(ctx, live());
    if (s === 'long') R.long = await sec.longBody(ctx, live());
    if (s === 'paced') R.paced = await sec.paced(ctx, live());
    if (s === 'streaming') {
      const names = live((t) => t.streamOk);
      for (const n of live((t) => !t.streamOk)) log(`  ${n}: streaming not working, left out`);
      R.streaming = await sec.streaming(ctx, names);
    }
    if (s === 'memory') R.memory = await sec.memory(ctx, proxies((t) => t.streamOk));
    if (s === 'soak') R.soak = await sec.soak(ctx, proxies());
    if (s === 'accounting') {
      if (!opts.accounting) { R.skipped.accounting = 'switchyard not among the targets'; log('  skipped: switchyard not selected'); continue; }
      // both fresh: the long-running instance has been through every other section (and its heap shows it)
      if (ctx.live.switchyard) { await stopChild(ctx.live.switchyard.child); delete ctx.live.switchyard; }
      await startAll(['switchyard', 'switchyard-acct'], (name) => ({ keepIdle: name === 'switchyard' }));
      const names = ['switchyard', 'switchyard-acct'].filter((n) => ctx.live[n]);
      if (names.length < 2) { R.skipped.accounting = R.meta.targets['switchyard-acct']?.skip ?? R.meta.targets.switchyard?.skip ?? 'switchyard not running'; log(`  skipped: ${R.skipped.accounting}`); continue; }
      R.accounting = await sec.accounting(ctx, names);
    }
  }
}

main().then(() => process.exit(0), async (e) => {
  console.error(`bench failed: ${e?.stack || e}`);
  await stopAll(1500);
  process.exit(1);
});
