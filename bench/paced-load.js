// Open-loop, evenly paced load generator. Request i is scheduled at t0 + i/rate on a monotonic clock,
// sent when due whatever the responses do (no coordinated omission), and its latency is measured
// from the *scheduled* time. Timer resolution is 1 ms, so at 2,000 req/s requests leave in pairs;
// the dispatch lag (actual send − scheduled) is reported and is included in every latency.
// Usage: node bench/paced-load.js '<json>'
//   {origin, path, headers, body, rate, duration, warmup, connections, maxInflight, drainMs}
// Prints one JSON line: {scheduled, ok, errors, dropped, timeouts, latency:{p50,p90,p99,p999,max}, ttfb:{…}, lag:{…}} (ms)
import { Pool } from 'undici';

const o = { warmup: 1, connections: 64, maxInflight: 10_000, drainMs: 10_000, ...JSON.parse(process.argv[2]) };
const pool = new Pool(o.origin, { connections: o.connections, pipelining: 1, keepAliveTimeout: 60_000 });
const T0 = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - T0) / 1e6; // ms
const iv = 1000 / o.rate;
const nWarm = Math.round(o.warmup * o.rate);
const total = nWarm + Math.round(o.duration * o.rate);
const N = total - nWarm;
const lat = new Float64Array(N).fill(NaN);
const ttfb = new Float64Array(N).fill(NaN);
const lag = new Float64Array(N).fill(NaN);
const res = { scheduled: N, ok: 0, errors: 0, dropped: 0, timeouts: 0, non2xx: 0, firstError: null };
let inflight = 0;
let i = 0;
const start = now() + 50;

function fire(k, sched) {
  const m = k - nWarm; // < 0 while warming up: not recorded
  if (inflight >= o.maxInflight) { if (m >= 0) res.dropped++; return; }
  if (m >= 0) lag[m] = now() - sched;
  inflight++;
  let first = true;
  pool.request({ path: o.path, method: 'POST', headers: o.headers, body: o.body }, (err, r) => {
    if (err) { inflight--; if (m >= 0) { res.errors++; res.firstError ??= err.message; } return; }
    r.body.on('data', () => { if (first) { first = false; if (m >= 0) ttfb[m] = now() - sched; } });
    r.body.on('error', () => { inflight--; if (m >= 0) res.errors++; });
    r.body.on('end', () => {
      inflight--;
      if (m < 0) return;
      if (r.statusCode >= 200 && r.statusCode < 300) { res.ok++; lat[m] = now() - sched; } else res.non2xx++;
    });
  });
}

function tick() {
  const t = now();
  while (i < total && start + i * iv <= t) { fire(i, start + i * iv); i++; }
  if (i < total) setTimeout(tick, Math.max(0, start + i * iv - now()));
  else drain(now());
}

function drain(since) {
  if (inflight > 0 && now() - since < o.drainMs) { setTimeout(() => drain(since), 20); return; }
  res.timeouts = inflight;
  const pct = (arr) => {
    const v = Array.from(arr).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    const q = (p) => (v.length ? +v[Math.min(v.length - 1, Math.floor(p * v.length))].toFixed(3) : null);
    return { n: v.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: v.length ? +v[v.length - 1].toFixed(3) : null };
  };
  const { user, system } = process.cpuUsage();
  const out = { ...res, rate: o.rate, duration: o.duration, cpuTotalUs: user + system, latency: pct(lat), ttfb: pct(ttfb), lag: pct(lag) };
  process.stdout.write(JSON.stringify(out) + '\n');
  pool.destroy().finally(() => process.exit(0));
}

setTimeout(tick, 50);
// hard cap on total time
setTimeout(() => { process.stderr.write('paced-load: hard time cap hit\n'); process.exit(2); },
  (o.warmup + o.duration) * 1000 + o.drainMs + 15_000).unref();
