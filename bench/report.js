// Turns the raw per-round records into medians, ratios, PASS/FAIL checks and a Markdown report.
// Re-render a saved run: node bench/report.js bench/results.json [out.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { median, medianOf, ratio, fmt } from './stats.js';
import { DRIP } from './drip.js';

const SW = 'switchyard';
const mb = (kb) => (kb == null ? null : kb / 1024);
const pct = (x) => (x == null ? '–' : `${fmt(100 * x, 0)} %`);

function table(head, rows) {
  const out = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i ? ' ---: ' : ' --- ')).join('|')}|`];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

/** median over rounds of (target − direct) for the same round. */
function added(rounds, direct, field) {
  if (!rounds || !direct) return null;
  return median(rounds.map((r, i) => (r?.[field] != null && direct[i]?.[field] != null ? r[field] - direct[i][field] : null)));
}

export function summarize(R) {
  const S = { throughput: {}, long: {}, paced: {}, ttfb: {}, streamTput: {}, streamDrip: {}, memory: {}, soak: {}, accounting: {} };
  const tf = ['rps', 'p50', 'p99', 'cpuUs', 'cpuCores', 'rssMaxKb', 'core1', 'other', 'errors'];
  for (const [n, rs] of Object.entries(R.throughput ?? {})) S.throughput[n] = medianOf(rs, tf);
  for (const [n, rs] of Object.entries(R.long ?? {})) S.long[n] = medianOf(rs, tf);
  for (const [rate, byT] of Object.entries(R.paced ?? {})) {
    S.paced[rate] = {};
    for (const [n, rs] of Object.entries(byT)) {
      S.paced[rate][n] = { ...medianOf(rs, ['p50', 'p99', 'p999', 'lagP99', 'cpuUs', 'completed', 'other', 'errors']),
        addedP50: n === 'direct' ? null : added(rs, byT.direct, 'p50'), addedP99: n === 'direct' ? null : added(rs, byT.direct, 'p99') };
    }
  }
  const tt = R.streaming?.ttfb ?? {};
  for (const [n, rs] of Object.entries(tt)) {
    S.ttfb[n] = { ...medianOf(rs, ['ttfbP50', 'ttfbP99', 'p50', 'cpuUs', 'completed', 'other', 'errors']),
      addedP50: n === 'direct' ? null : added(rs, tt.direct, 'ttfbP50'), addedP99: n === 'direct' ? null : added(rs, tt.direct, 'ttfbP99') };
  }
  for (const [n, rs] of Object.entries(R.streaming?.tput ?? {})) S.streamTput[n] = medianOf(rs, tf);
  for (const [n, rs] of Object.entries(R.streaming?.drip ?? {})) S.streamDrip[n] = medianOf(rs, tf);
  // KB per open stream: the worst round. Later rounds reuse memory the first one made the allocator keep
  // (nginx: ~17 KB cold, ~2 KB after), so the median would understate the cost of opening streams.
  for (const [n, rs] of Object.entries(R.memory ?? {})) {
    const kb = rs.map((r) => r.kbPerStream).filter((x) => x != null);
    S.memory[n] = { ...medianOf(rs, ['before', 'after', 'open', 'errors']), kbPerStream: kb.length ? Math.max(...kb) : null,
      kbRounds: kb.map((x) => fmt(x)).join(', ') };
  }
  for (const [n, s] of Object.entries(R.soak ?? {})) {
    S.soak[n] = { ...s, growth: s.afterFirstChunk && s.lastChunk != null ? (s.lastChunk - s.afterFirstChunk) / s.afterFirstChunk : null };
  }
  for (const [n, rs] of Object.entries(R.accounting ?? {})) S.accounting[n] = medianOf(rs, tf);
  // Throughput and CPU targets compare Switchyard with another target in the same round (they run
  // interleaved), then take the median: the host's speed can move 2× between rounds, and a ratio of
  // medians taken from different rounds would compare a fast round of one with a slow round of the other.
  S.perRound = {};
  for (const other of ['floor', 'peer', 'nginx']) {
    const mine = R.throughput?.[SW], theirs = R.throughput?.[other];
    if (!mine || !theirs) continue;
    const each = (field) => mine.map((r, i) => (r?.[field] && theirs[i]?.[field] ? r[field] / theirs[i][field] : null));
    const rps = each('rps'), cpu = each('cpuUs'), rss = each('rssMaxKb');
    S.perRound[other] = { rps: median(rps), cpuUs: median(cpu), rssMaxKb: median(rss), rpsRounds: rps, cpuRounds: cpu, rssRounds: rss };
  }
  // The two accounting targets run back to back in each round: the median of the per-round growth
  // pairs them, so a busy spell on the shared host that hits one round does not decide the result.
  const off = R.accounting?.[SW], on = R.accounting?.['switchyard-acct'];
  if (off && on) {
    const growth = off.map((r, i) => (r?.cpuUs && on[i]?.cpuUs ? on[i].cpuUs / r.cpuUs - 1 : null));
    S.accountingGrowth = { median: median(growth), rounds: growth.map((g) => (g == null ? '–' : `${fmt(100 * g, 1)} %`)).join(', ') };
  }
  return S;
}

export function ratios(S) {
  const t = S.throughput, sw = t[SW];
  if (!sw) return [];
  const cols = ['direct', 'floor', 'peer', 'nginx'];
  const idle = (n) => S.memoryIdle?.[n];
  const rows = [
    ['req/s (max throughput)', (o) => ratio(sw.rps, t[o]?.rps)],
    ['p99 latency at max throughput', (o) => ratio(sw.p99, t[o]?.p99)],
    ['CPU µs per request', (o) => ratio(sw.cpuUs, t[o]?.cpuUs)],
    ['RSS under load', (o) => ratio(sw.rssMaxKb, t[o]?.rssMaxKb)],
    ['paced 1,000/s p50', (o) => ratio(S.paced[1000]?.[SW]?.p50, S.paced[1000]?.[o]?.p50)],
    ['paced 1,000/s p99', (o) => ratio(S.paced[1000]?.[SW]?.p99, S.paced[1000]?.[o]?.p99)],
    ['stream TTFB p50', (o) => ratio(S.ttfb[SW]?.ttfbP50, S.ttfb[o]?.ttfbP50)],
    ['streamed req/s', (o) => ratio(S.streamTput[SW]?.rps, S.streamTput[o]?.rps)],
    [`CPU µs per stream, events ${DRIP.ms} ms apart`, (o) => ratio(S.streamDrip[SW]?.cpuUs, S.streamDrip[o]?.cpuUs)],
    ['RSS idle', (o) => ratio(idle(SW), idle(o))],
  ];
  const x = (v) => (v == null ? '–' : v < 0.01 ? `${v.toExponential(1)}×` : `${v.toFixed(2)}×`);
  return { cols, rows: rows.map(([name, f]) => [name, ...cols.map((c) => x(f(c)))]) };
}

export function checks(S) {
  const sw = S.throughput[SW], fl = S.throughput.floor, pe = S.throughput.peer, ng = S.throughput.nginx;
  const p1k = S.paced[1000]?.[SW];
  const c = [];
  const add = (name, measured, pass, note = '') => c.push({ name, measured, pass, note });
  const r = (a, b) => ratio(a, b);
  const pr = S.perRound ?? {};
  const rounds = (xs, scale = 1, unit = '×') => (xs ?? []).map((x) => (x == null ? '–' : `${fmt(scale * x, scale === 1 ? 2 : 0)}${unit}`)).join(', ');
  add('CPU per request ≤ 1.25× the bare passthrough\'s (median of the per-round ratios)', sw && fl && pr.floor ? `${fmt(sw.cpuUs)} vs ${fmt(fl.cpuUs)} µs; per round ${rounds(pr.floor.cpuRounds)} (median ${fmt(pr.floor.cpuUs, 2)}×)` : null,
    pr.floor?.cpuUs != null ? pr.floor.cpuUs <= 1.25 : null);
  add('throughput ≥ 8× the peer\'s (median of the per-round ratios)', sw && pe && pr.peer ? `${fmt(sw.rps)} vs ${fmt(pe.rps)} req/s; per round ${rounds(pr.peer.rpsRounds)} (median ${fmt(pr.peer.rps, 2)}×)` : null,
    pr.peer?.rps != null ? pr.peer.rps >= 8 : null);
  add('throughput ≥ 75 % of nginx\'s (median of the per-round ratios)', sw && ng && pr.nginx ? `${fmt(sw.rps)} vs ${fmt(ng.rps)} req/s; per round ${rounds(pr.nginx.rpsRounds, 100, ' %')} (median ${fmt(100 * pr.nginx.rps, 0)} %)` : null,
    pr.nginx?.rps != null ? pr.nginx.rps >= 0.75 : null, ng && ng.core1 > 0.9 ? 'nginx run is load-generator bound (core 1 ≥ 90 %)' : '');
  add('added latency at paced 1,000 req/s: p50 ≤ 0.5 ms', p1k ? `${fmt(p1k.addedP50, 3)} ms` : null, p1k?.addedP50 != null ? p1k.addedP50 <= 0.5 : null);
  add('added latency at paced 1,000 req/s: p99 ≤ 2 ms', p1k ? `${fmt(p1k.addedP99, 3)} ms` : null, p1k?.addedP99 != null ? p1k.addedP99 <= 2 : null);
  const tt = S.ttfb[SW];
  add('streaming adds ≤ 0.5 ms TTFB (p50)', tt ? `${fmt(tt.addedP50, 3)} ms` : null, tt?.addedP50 != null ? tt.addedP50 <= 0.5 : null);
  add('RSS under load ≤ 1.2× the bare passthrough\'s (median of the per-round ratios)', sw && fl && pr.floor ? `${fmt(mb(sw.rssMaxKb))} vs ${fmt(mb(fl.rssMaxKb))} MB; per round ${rounds(pr.floor.rssRounds)} (median ${fmt(pr.floor.rssMaxKb, 2)}×)` : null,
    pr.floor?.rssMaxKb != null ? pr.floor.rssMaxKb <= 1.2 : null);
  const idle = S.memoryIdle?.[SW];
  add(`RSS idle ≤ 60 MB (${S.idleSeconds} s quiet after warm-up)`, idle != null ? `${fmt(mb(idle))} MB` : null, idle != null ? idle <= 60 * 1024 : null);
  const m = S.memory[SW];
  add('≤ 20 KB per open stream (worst round)', m?.kbPerStream != null ? `${fmt(m.kbPerStream)} KB (${fmt(m.open, 0)} open)` : null,
    m?.kbPerStream != null ? m.kbPerStream <= 20 && m.errors === 0 : null, m?.errors ? `${m.errors} stream(s) failed to open` : '');
  const so = S.soak[SW];
  add('RSS flat across the soak (≤ +10 % from after the first chunk to the last)', so ? `${so.total} req, ${fmt(mb(so.afterFirstChunk))} → ${fmt(mb(so.lastChunk))} MB (${fmt(100 * so.growth, 1)} %)` : null,
    so?.growth != null ? so.growth <= 0.10 && !so.capped : null, so?.capped ? 'fewer requests than asked (time cap)' : '');
  const a = S.accounting, on = a['switchyard-acct'], off = a[SW], g = S.accountingGrowth?.median;
  add('accounting on: CPU/request grows ≤ 20 % (median of the per-round growth)', on && off && g != null
    ? `${fmt(off.cpuUs)} → ${fmt(on.cpuUs)} µs; per round ${S.accountingGrowth.rounds} (median ${fmt(100 * g, 1)} %)` : null,
    g != null ? g <= 0.2 : null);
  return c;
}

const lbl = (R, n) => R.meta.targets[n]?.label ?? n;

export function markdown(R) {
  const S = summarize(R);
  S.idleSeconds = (R.meta.opts.idleMs ?? 0) / 1000;
  S.memoryIdle = Object.fromEntries(Object.entries(R.idle ?? {}).map(([n, v]) => [n, v.warmKb]));
  const M = R.meta, out = [];
  out.push(`# Switchyard benchmark results${M.opts.quick ? ' (--quick smoke run: not for conclusions)' : ''}`, '');
  out.push(`Run ${M.startedAt} → ${M.finishedAt}. Medians over ${M.opts.rounds} interleaved round(s) of ${M.opts.duration} s.`, '');
  out.push('## Machine', '', table(['what', 'value'], [
    ['CPU', `${M.machine.cpu} × ${M.machine.cores} cores`], ['kernel', M.machine.kernel], ['node', M.machine.node],
    ['nginx', M.machine.nginx ?? 'not installed'], ['memory', `${M.machine.memGb} GB`],
    ['load average (start → end)', `${M.machine.loadStart} → ${M.machine.loadEnd}`],
    ['pinning', M.taskset ? 'taskset: proxies on core 0; fake upstream, load generators and orchestrator on core 1' : 'none (taskset not found)'],
    ['CLK_TCK', String(M.clkTck)],
  ]), '');
  out.push('## Versions', '', table(['package', 'version'], Object.entries(M.versions).map(([k, v]) => [k, v ?? '–'])), '');
  out.push('## Commands', '', '```', `$ ${M.command}`, ...Object.entries(M.targets).filter(([, t]) => t.cmd).map(([n, t]) => `# ${n}: ${t.cmd}`), '```', '');
  out.push('## Targets', '', table(['target', 'what', 'streaming', 'notes'], Object.entries(M.targets).map(([n, t]) =>
    [lbl(R, n), t.desc, t.skip ? '–' : t.streamOk ? 'ok' : 'FAILS', [t.skip ? `skipped: ${t.skip}` : '', t.streamNote ?? '', ...(t.notes ?? [])].filter(Boolean).join('; ')])), '');
  for (const [k, v] of Object.entries(R.skipped ?? {})) out.push(`- section ${k} skipped: ${v}`);
  if (Object.keys(R.skipped ?? {}).length) out.push('');

  const T = S.throughput;
  if (Object.keys(T).length) {
    out.push(`## 1. Max throughput, non-stream, ${M.opts.connections} connections (autocannon)`, '',
      table(['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'proxy CPU (cores)', 'core 1 busy', 'other load (cores)', 'RSS under load MB', 'errors'],
        Object.entries(T).map(([n, s]) => [lbl(R, n), fmt(s.rps, 0), fmt(s.p50), fmt(s.p99), fmt(s.cpuUs), fmt(s.cpuCores, 2),
          pct(s.core1), fmt(s.other, 2), fmt(mb(s.rssMaxKb)), fmt(s.errors, 0)])), '',
      '_core 1 busy_ = CPU of the fake upstream + autocannon ÷ wall time; near 100 % means the load side, not the proxy, is the limit. ' +
      '_other load_ = CPU used meanwhile by processes outside the bench (the machine is shared).', '');
  }
  const L = S.long;
  if (Object.keys(L).length) {
    const per = (n, o) => fmt(ratio(L[n]?.cpuUs, L[o]?.cpuUs), 2);
    out.push(`## 1b. Max throughput with a long conversation (a ${fmt(M.longBodyBytes / 1024, 1)} KB request body), ${M.opts.connections} connections`, '',
      table(['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'CPU ÷ floor', 'CPU ÷ floor+json', 'core 1 busy', 'RSS under load MB', 'errors'],
        Object.entries(L).map(([n, s]) => [lbl(R, n), fmt(s.rps, 0), fmt(s.p50), fmt(s.p99), fmt(s.cpuUs), per(n, 'floor'), per(n, 'floor-json'),
          pct(s.core1), fmt(mb(s.rssMaxKb)), fmt(s.errors, 0)])), '',
      'A system prompt and 20 turns (bench/targets.js `longConversationBody`); the reply is the same as in section 1. The floor forwards the bytes; floor+json parses and re-serializes them; Switchyard parses them and, for an OpenAI-compatible upstream, sends the client\'s own text with the model spliced in.', '');
  }
  for (const [rate, byT] of Object.entries(S.paced)) {
    out.push(`## 2. Latency at a paced ${Number(rate).toLocaleString('en-US')} req/s (open loop, bench/paced-load.js)`, '',
      table(['target', 'p50 ms', 'p99 ms', 'p99.9 ms', 'added p50 ms', 'added p99 ms', 'dispatch lag p99 ms', 'CPU µs/req', 'completed', 'other load (cores)', 'errors'],
        Object.entries(byT).map(([n, s]) => [lbl(R, n) + (T[n]?.rps && T[n].rps < Number(rate) ? ` (over capacity: max ${fmt(T[n].rps, 0)} req/s)` : ''), fmt(s.p50, 3), fmt(s.p99, 3), fmt(s.p999, 3), fmt(s.addedP50, 3), fmt(s.addedP99, 3),
          fmt(s.lagP99, 3), fmt(s.cpuUs), pct(s.completed), fmt(s.other, 2), fmt(s.errors, 0)])), '');
  }
  if (Object.keys(S.ttfb).length) {
    out.push(`## 3. Streaming`, '', `Time to first body byte at a paced ${M.opts.streamRate} req/s:`, '',
      table(['target', 'TTFB p50 ms', 'TTFB p99 ms', 'added p50 ms', 'added p99 ms', 'full stream p50 ms', 'CPU µs/req', 'completed', 'errors'],
        Object.entries(S.ttfb).map(([n, s]) => [lbl(R, n) + (S.streamTput[n]?.rps && S.streamTput[n].rps < M.opts.streamRate
          ? ` (over capacity: max ${fmt(S.streamTput[n].rps, 0)} streams/s)` : ''), fmt(s.ttfbP50, 3), fmt(s.ttfbP99, 3), fmt(s.addedP50, 3), fmt(s.addedP99, 3),
          fmt(s.p50, 3), fmt(s.cpuUs), pct(s.completed), fmt(s.errors, 0)])), '', `Streamed requests, max throughput (${M.opts.connections} connections):`, '',
      table(['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'core 1 busy', 'errors'],
        Object.entries(S.streamTput).map(([n, s]) => [lbl(R, n), fmt(s.rps, 0), fmt(s.p50), fmt(s.p99), fmt(s.cpuUs),
          pct(s.core1), fmt(s.errors, 0)])), '');
    if (Object.keys(S.streamDrip).length) {
      const floorCpu = S.streamDrip.floor?.cpuUs;
      out.push(`Streams whose ${DRIP.events} events arrive ${DRIP.ms} ms apart, one read each, as from a model (${DRIP.connections} connections, closed loop):`, '',
        table(['target', 'streams/s', 'p50 ms', 'p99 ms', 'CPU µs/stream', 'CPU ÷ floor', 'errors'],
          Object.entries(S.streamDrip).map(([n, s]) => [lbl(R, n), fmt(s.rps, 0), fmt(s.p50), fmt(s.p99), fmt(s.cpuUs),
            n === 'direct' || floorCpu == null || s.cpuUs == null ? '–' : `${(s.cpuUs / floorCpu).toFixed(2)}×`, fmt(s.errors, 0)])),
        '', 'The tables above send each stream in two reads (the upstream writes it at once), so they weigh what a request costs; this one weighs what each event costs, which is what long real streams spend.', '');
    }
  }
  const memNames = [...new Set([...Object.keys(R.idle ?? {}), ...Object.keys(S.memory)])];
  if (memNames.length) {
    out.push('## 4. Memory (RSS of the process tree)', '',
      table(['target', `idle ${S.idleSeconds} s after start MB`, `idle ${S.idleSeconds} s after warm-up MB`, 'under load MB', `before ${M.opts.openStreams} streams MB`, 'with streams open MB', 'open', 'KB / open stream (worst round)', 'each round'],
        memNames.map((n) => { const i = R.idle?.[n], m = S.memory[n]; return [lbl(R, n), fmt(mb(i?.startKb)), fmt(mb(i?.warmKb)),
          fmt(mb(T[n]?.rssMaxKb)), fmt(mb(m?.before)), fmt(mb(m?.after)), fmt(m?.open, 0), fmt(m?.kbPerStream), m?.kbRounds || '–']; })), '');
  }
  if (Object.keys(S.soak).length) {
    out.push(`## 5. Soak (≥ ${M.opts.soakRequests.toLocaleString('en-US')} requests in ${M.opts.soakChunk} s autocannon chunks, cap ${M.opts.soakMaxSeconds} s; peer ${M.opts.peerSoakMaxSeconds} s)`, '',
      table(['target', 'requests', 'seconds', 'RSS start MB', 'after 1st chunk MB', 'after last chunk MB', 'end (settled) MB', 'growth', 'CPU µs/req', 'errors'],
        Object.entries(S.soak).map(([n, s]) => [lbl(R, n), `${s.total.toLocaleString('en-US')}${s.capped ? ' (cap)' : ''}`, fmt(s.seconds, 0),
          fmt(mb(s.start)), fmt(mb(s.afterFirstChunk)), fmt(mb(s.lastChunk)), fmt(mb(s.end)), s.growth != null ? `${fmt(100 * s.growth, 1)} %` : '–',
          fmt(s.cpuUs), fmt(s.errors, 0)])), '');
  }
  if (Object.keys(S.accounting).length) {
    out.push('## 6. Accounting on (sqlite ledger + virtual key) vs off', '',
      table(['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'RSS under load MB', 'errors'],
        Object.entries(S.accounting).map(([n, s]) => [lbl(R, n), fmt(s.rps, 0), fmt(s.p50), fmt(s.p99), fmt(s.cpuUs), fmt(mb(s.rssMaxKb)), fmt(s.errors, 0)])), '');
  }
  const rt = ratios(S);
  if (rt.rows) out.push('## Ratios (Switchyard ÷ other)', '', table(['metric', ...rt.cols.map((c) => `Switchyard/${c === 'floor' ? 'floor' : c}`)], rt.rows), '');
  const ck = checks(S);
  out.push('## Targets', '', table(['target', 'measured', 'result'], ck.map((k) => [k.name, k.measured ?? '–',
    k.pass == null ? 'N/A' : k.pass ? 'PASS' : 'FAIL' + (k.note ? ` (${k.note})` : '')].map(String))), '');
  out.push('## Method', '', ...method(S), '');
  return { text: out.join('\n'), summary: S, checks: ck };
}

const method = (S) => [
  '- Every proxy forwards to the same fake upstream (bench/fake-upstream.js: fixed ~1 KB chat.completion, or 22 SSE events: role, 18 content chunks, stop, usage, `[DONE]`).',
  '- Targets run interleaved (A B C … A B C …); each number is the median over rounds. "Added" latency is the median over rounds of (target − direct in the same round).',
  '- Max throughput: autocannon in its own process (bench/cannon.js), closed loop. Paced latency: bench/paced-load.js, open loop, requests scheduled every 1/rate s on a monotonic clock and timed from the *scheduled* send time; the 1 ms timer resolution shows up as dispatch lag and is in every number, direct included.',
  '- CPU µs/request = (utime + stime of the proxy\'s process tree from /proc/<pid>/stat, ÷ CLK_TCK) over the run ÷ completed requests. For nginx the tree is master + worker. Kernel time spent in softirq for loopback TCP is not charged to any process and is left out for every target alike.',
  '- RSS = VmRSS summed over the process tree. "Under load" = the maximum sampled every 250 ms during the max-throughput runs. KB / open stream = (RSS with N streams held open − RSS just before) ÷ N; the fake upstream sends its first write (the role chunk and the first content) and holds each stream until released.',
  '- Before the open-streams readings and each soak reading, Node.js targets get a forced full GC (inspector `HeapProfiler.collectGarbage`; they run with `--inspect-port=127.0.0.1:0`, inert until then), so those RSS numbers compare live memory rather than leftover garbage. nginx needs none.',
  `- Idle RSS is read ${S.idleSeconds} s after the last request, for every target alike: once after starting (and the verification requests), once after the warm-up. Switchyard gives its heap back after at most 10 s quiet the first time (checked every 2.5 s), then its young generation after about 10 s quiet and the rest only after 5 min quiet (\`server.idle_trim_ms\`; meanwhile it holds V8's memory reducer back, which would drop optimized code), so the second reading shows the old generation grown under load; the other Node.js targets keep what they grew to.`,
  '- The soak is flat when RSS after the last chunk is within +10 % of RSS after the first chunk (the first chunk absorbs JIT and heap warm-up).',
  '- Section 6 starts both Switchyard instances fresh, so neither carries the heap of the earlier sections. They run back to back in each round; the accounting target is judged on the median of the per-round CPU growth (every round is listed), so a busy spell on the shared host in one round does not decide it.',
];

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [json, out = json.replace(/\.json$/, '.md')] = process.argv.slice(2);
  writeFileSync(out, markdown(JSON.parse(readFileSync(json, 'utf8'))).text + '\n');
  console.log(`written: ${out}`);
}
