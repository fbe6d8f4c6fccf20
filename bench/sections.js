// The measurements. Each section runs the targets interleaved (A B C A B C …) for ctx.opts.rounds
// rounds and returns the raw per-round records; report.js takes the medians.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { runJson, sleep } from './procs.js';
import { cpuSeconds, rssKb, rssSampler, machineBusySeconds } from './measure.js';
import { longConversationBody, requestBody } from './targets.js';
import { DRIP } from './drip.js';
import { median } from './stats.js';
import { forceGc } from './gc.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const CANNON = path.join(BENCH, 'cannon.js');
const PACED = path.join(BENCH, 'paced-load.js');
const HOLD = path.join(BENCH, 'hold-streams.js');
const PATH = '/v1/chat/completions';

const cpuOf = (pid) => (pid ? cpuSeconds(pid) : null);
const perReqUs = (c0, c1, n) => (c0 != null && n > 0 ? ((c1 - c0) * 1e6) / n : null);
const selfCpu = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1e6; };

/** CPU counters at one instant: the machine, the proxy tree, the fake upstream, this process. */
function snap(ctx, t) {
  return { wall: performance.now(), busy: machineBusySeconds(), proxy: cpuOf(t.pid), up: cpuSeconds(ctx.upstreamPid), self: selfCpu() };
}
/** Deltas between two snaps; `other` = cores used by processes that are not part of the bench (noise). */
function deltas(a, b, childCpuUs) {
  const wall = (b.wall - a.wall) / 1000;
  const proxy = a.proxy != null ? b.proxy - a.proxy : 0;
  const other = (b.busy - a.busy) - proxy - (b.up - a.up) - (b.self - a.self) - childCpuUs / 1e6;
  return { proxy: a.proxy != null ? proxy : null, up: b.up - a.up, other: Math.max(0, other / wall) };
}

/** Waits (bounded) until the rest of the machine is quiet: the box is shared. */
export async function waitQuiet(ctx) {
  const o = ctx.opts, t0 = Date.now();
  let busy = 0;
  for (let i = 0; i < 600; i++) {
    const b0 = machineBusySeconds();
    await sleep(400);
    busy = (machineBusySeconds() - b0) / 0.4;
    const waited = Date.now() - t0;
    if (busy <= o.quietThreshold || waited >= o.quietMaxWait * 1000 || ctx.quietBudgetMs - waited <= 0) break;
  }
  const waited = Date.now() - t0;
  ctx.quietBudgetMs -= Math.max(0, waited - 400);
  if (waited > 1500) ctx.log(`  … waited ${(waited / 1000).toFixed(0)} s for other processes to calm down (machine busy ${busy.toFixed(2)} cores)`);
  return busy;
}

/** Runs fn after waitQuiet; if other processes used > noisyCores during it, runs it once more and keeps the quieter run. */
async function measured(ctx, fn) {
  await waitQuiet(ctx);
  let rec = await fn();
  if (rec.other > ctx.opts.noisyCores && ctx.quietBudgetMs > 0) {
    ctx.log(`  … other processes used ${rec.other.toFixed(2)} cores during that run: repeating it once`);
    await waitQuiet(ctx);
    const again = await fn();
    if (again.other < rec.other) rec = again;
  }
  return rec;
}

export async function upstreamControl(ctx, what) {
  const r = await request(`${ctx.upstream}/__${what}`, { method: what === 'stats' ? 'GET' : 'POST' });
  return r.body.json();
}

async function postOnce(t, stream) {
  const r = await request(t.origin + PATH, { method: 'POST', headers: t.headers, body: requestBody(stream), headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { status: r.statusCode, text: await r.body.text() };
}

/** One non-stream and one stream request; checks they really reached the fake upstream. */
export async function verify(ctx, t) {
  const s0 = await upstreamControl(ctx, 'stats');
  const a = await postOnce(t, false);
  const s1 = await upstreamControl(ctx, 'stats');
  if (a.status !== 200 || !a.text.includes('chatcmpl-bench') || s1.requests !== s0.requests + 1) {
    throw new Error(`non-stream check failed: HTTP ${a.status}, upstream saw ${s1.requests - s0.requests} request(s): ${a.text.slice(0, 300)}`);
  }
  let streamOk = false, streamNote = null;
  try {
    const b = await postOnce(t, true);
    const s2 = await upstreamControl(ctx, 'stats');
    const chunks = (b.text.match(/chat\.completion\.chunk/g) || []).length;
    streamOk = b.status === 200 && b.text.includes('[DONE]') && chunks >= 20 && s2.streams === s1.streams + 1;
    if (!streamOk) streamNote = `stream check failed: HTTP ${b.status}, ${chunks} chunk(s): ${b.text.slice(0, 200)}`;
  } catch (e) { streamNote = `stream check failed: ${e.message}`; }
  return { streamOk, streamNote };
}

/** Closed-loop autocannon run with CPU (proxy + upstream + load generator) and RSS sampling. */
export async function cannonRun(ctx, t, { stream = false, body = requestBody(stream), duration, connections = ctx.opts.connections }) {
  const a = snap(ctx, t);
  const sampler = t.pid ? rssSampler(t.pid) : null;
  let r, rss;
  try {
    [r] = await runJson(CANNON, { url: t.origin + PATH, headers: t.headers, body, connections, duration },
      { timeoutMs: duration * 1000 + 30_000 });
  } finally { rss = sampler?.stop(); }
  const d = deltas(a, snap(ctx, t), r.cpuTotalUs);
  return {
    rps: r.rps, ok: r.ok, errors: r.errors + r.timeouts + r.non2xx, p50: r.latency.p50, p99: r.latency.p99,
    cpuUs: d.proxy != null && r.ok ? (d.proxy * 1e6) / r.ok : null, cpuCores: d.proxy != null ? d.proxy / r.duration : null,
    rssMaxKb: rss?.max ?? null, core1: (d.up + r.cpuUs / 1e6) / r.duration, other: d.other,
  };
}

/** Open-loop paced run (bench/paced-load.js). */
export async function pacedRun(ctx, t, { stream = false, rate, duration }) {
  const warmup = ctx.opts.pacedWarmup;
  const a = snap(ctx, t);
  const [r] = await runJson(PACED, {
    origin: t.origin, path: PATH, headers: t.headers, body: requestBody(stream), rate, duration, warmup, connections: 64, drainMs: 5000,
  }, { timeoutMs: (warmup + duration) * 1000 + 40_000 });
  const d = deltas(a, snap(ctx, t), r.cpuTotalUs);
  return {
    other: d.other, completed: r.ok / r.scheduled,
    p50: r.latency.p50, p99: r.latency.p99, p999: r.latency.p999, ttfbP50: r.ttfb.p50, ttfbP99: r.ttfb.p99,
    lagP50: r.lag.p50, lagP99: r.lag.p99, ok: r.ok, errors: r.errors + r.non2xx + r.timeouts + r.dropped,
    cpuUs: d.proxy != null ? perReqUs(0, d.proxy, r.ok + Math.round(warmup * rate)) : null, firstError: r.firstError,
  };
}

const ms = (x) => (x == null ? '–' : `${x.toFixed(2)} ms`);
const line = (rec) => [
  rec.rps != null ? `${Math.round(rec.rps)} req/s` : null,
  rec.p50 != null ? `p50 ${ms(rec.p50)} p99 ${ms(rec.p99)}` : null,
  rec.ttfbP50 != null ? `ttfb p50 ${ms(rec.ttfbP50)} p99 ${ms(rec.ttfbP99)}` : null,
  rec.cpuUs != null ? `cpu ${rec.cpuUs.toFixed(0)} µs/req` : null,
  rec.open != null ? `${rec.open} open  RSS ${(rec.before / 1024).toFixed(1)} → ${((rec.after ?? 0) / 1024).toFixed(1)} MB  ` +
    `${rec.kbPerStream?.toFixed(1) ?? '–'} KB/stream` : null,
  rec.core1 != null ? `core1 ${(rec.core1 * 100).toFixed(0)}%` : null,
  rec.other != null ? `other ${rec.other.toFixed(2)} cores` : null,
  rec.errors ? `ERRORS ${rec.errors}` : null,
].filter(Boolean).join('  ');

async function interleave(ctx, tag, names, fn) {
  const out = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ctx.opts.rounds; r++) {
    for (const n of names) {
      const rec = await measured(ctx, () => fn(ctx.live[n]));
      out[n].push(rec);
      ctx.log(`[${tag} ${r + 1}/${ctx.opts.rounds}] ${n.padEnd(16)} ${line(rec)}`);
    }
  }
  return out;
}

// 1. max throughput, non-stream
export const throughput = (ctx, names) =>
  interleave(ctx, 'throughput', names, (t) => cannonRun(ctx, t, { duration: ctx.opts.duration }));

// 1b. the same with a long conversation (≈16 KB request): the per-byte costs a short body hides
export const longBody = (ctx, names) =>
  interleave(ctx, 'long body', names, (t) => cannonRun(ctx, t, { body: longConversationBody(), duration: ctx.opts.duration }));

// 2. fixed-rate latency, open loop
export async function paced(ctx, names) {
  const out = {};
  for (const rate of ctx.opts.rates) {
    out[rate] = await interleave(ctx, `paced ${rate}/s`, names, (t) => pacedRun(ctx, t, { rate, duration: ctx.opts.duration }));
  }
  return out;
}

// 3. streaming: TTFB at a fixed rate, streamed-request throughput, and streams whose events arrive apart
export async function streaming(ctx, names) {
  const ttfb = await interleave(ctx, `stream ttfb ${ctx.opts.streamRate}/s`, names,
    (t) => pacedRun(ctx, t, { stream: true, rate: ctx.opts.streamRate, duration: ctx.opts.duration }));
  const tput = await interleave(ctx, 'stream throughput', names,
    (t) => cannonRun(ctx, t, { stream: true, duration: ctx.opts.duration }));
  // Events apart (bench/drip.js), one read each, as from a model: what a stream costs per event, not per request.
  const drip = await interleave(ctx, 'stream drip', names,
    (t) => cannonRun(ctx, t, { stream: true, body: requestBody(true, { drip: true }), duration: ctx.opts.duration, connections: DRIP.connections }));
  return { ttfb, tput, drip };
}

/** RSS after a forced full GC (Node targets) — live memory, not the last load's garbage. */
async function gcRss(t) {
  if (await forceGc(t)) await sleep(500);
  return settledRss(t.pid);
}

async function settledRss(pid, n = 3) {
  const v = [];
  for (let i = 0; i < n; i++) { await sleep(250); v.push(rssKb(pid)); }
  return median(v);
}

/**
 * RSS once it stops moving: after load, V8's memory reducer shrinks the heap some seconds later, so a
 * baseline taken right away is too high. Samples every second until 3 successive readings agree within
 * 1 % (or maxMs).
 */
export async function stableRss(pid, maxMs) {
  const t0 = Date.now();
  let prev = rssKb(pid), calm = 0;
  for (let i = 0; i < 600 && Date.now() - t0 < maxMs; i++) {
    await sleep(1000);
    const cur = rssKb(pid);
    calm = Math.abs(cur - prev) <= 0.01 * prev ? calm + 1 : 0;
    prev = cur;
    if (calm >= 3) break;
  }
  return prev;
}

// 4. memory: RSS with N concurrent open streams (upstream holds them after its first write: role and first content)
export async function openStreamsRun(ctx, t) {
  const n = ctx.opts.openStreams;
  await stableRss(t.pid, ctx.opts.settleMs);
  const before = await gcRss(t);
  await upstreamControl(ctx, 'hold');
  let opened;
  try {
    const gotOpen = new Promise((resolve) => { opened = resolve; });
    const done = runJson(HOLD, { origin: t.origin, path: PATH, headers: t.headers, body: requestBody(true), n, openTimeoutMs: 30_000, closeTimeoutMs: 30_000 },
      { timeoutMs: 90_000, onLine: (o) => { if (o.phase === 'open') opened(o); } });
    const o = await Promise.race([gotOpen, done.then(() => null, () => null)]);
    const after = o ? await gcRss(t) : null;
    await upstreamControl(ctx, 'release');
    const fin = (await done.catch(() => [])).find((l) => l.phase === 'done');
    return {
      before, after, open: o?.open ?? 0, completed: fin?.completed ?? 0, errors: n - (o?.open ?? 0),
      kbPerStream: o?.open ? (after - before) / o.open : null, firstError: o?.firstError ?? fin?.firstError ?? null,
    };
  } finally {
    await upstreamControl(ctx, 'release');
  }
}

export const memory = (ctx, names) =>
  interleave(ctx, `open streams x${ctx.opts.openStreams}`, names, (t) => openStreamsRun(ctx, t));

// 5. soak: closed-loop chunks until ≥ soakRequests (or the time cap), RSS sampled after each chunk
export async function soak(ctx, names) {
  const out = {};
  for (const n of names) {
    const t = ctx.live[n];
    await stableRss(t.pid, ctx.opts.settleMs);
    const start = await gcRss(t);
    const samples = [];
    let total = 0, errors = 0, cpuSum = 0;
    const t0 = Date.now();
    const capS = n === 'peer' ? Math.min(ctx.opts.peerSoakMaxSeconds, ctx.opts.soakMaxSeconds) : ctx.opts.soakMaxSeconds;
    for (let k = 0; k < 1000 && total < ctx.opts.soakRequests && Date.now() - t0 < capS * 1000; k++) {
      const rec = await cannonRun(ctx, t, { duration: ctx.opts.soakChunk });
      total += rec.ok; errors += rec.errors; cpuSum += (rec.cpuUs ?? 0) * rec.ok;
      samples.push({ requests: total, rssKb: await gcRss(t), rps: Math.round(rec.rps) });
    }
    const seconds = (Date.now() - t0) / 1000;
    const end = await stableRss(t.pid, ctx.opts.settleMs);
    const cpuUs = total ? cpuSum / total : null; // load chunks only, not the forced GCs between them
    const rec = { start, afterFirstChunk: samples[0]?.rssKb ?? null, lastChunk: samples.at(-1)?.rssKb ?? null, end, total, errors, seconds,
      capped: total < ctx.opts.soakRequests, cpuUs, samples };
    out[n] = rec;
    ctx.log(`[soak] ${n.padEnd(16)} ${total} requests in ${seconds.toFixed(0)} s  RSS start ${(start / 1024).toFixed(1)} MB → after 1st chunk ` +
      `${((rec.afterFirstChunk ?? 0) / 1024).toFixed(1)} MB → last chunk ${((rec.lastChunk ?? 0) / 1024).toFixed(1)} MB → end ${(end / 1024).toFixed(1)} MB` +
      `${rec.capped ? '  (time cap hit)' : ''}${errors ? `  ERRORS ${errors}` : ''}`);
  }
  return out;
}

// 6. accounting on vs off (Switchyard only): same closed-loop throughput + CPU runs
export const accounting = (ctx, names) =>
  interleave(ctx, 'accounting', names, (t) => cannonRun(ctx, t, { duration: ctx.opts.duration }));

/** Short closed-loop warm-up (JIT, connection pools) — not recorded. */
export async function warmup(ctx, t, streamOk) {
  await cannonRun(ctx, t, { duration: ctx.opts.warmup });
  if (streamOk) await cannonRun(ctx, t, { stream: true, duration: Math.max(1, ctx.opts.warmup / 2) });
}
