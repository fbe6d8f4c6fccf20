// Closed-loop max-throughput load: autocannon, run programmatically in its own process so the load
// generator never shares an event loop with the proxy or the orchestrator.
// Usage: node bench/cannon.js '<json>'  {url, headers, body, connections, duration}
// Prints one JSON line: {ok, non2xx, errors, timeouts, duration, rps, cpuUs (own CPU during the run), cpuTotalUs (incl. startup), latency:{p50,p99,avg}} (ms).
import autocannon from 'autocannon';

const o = JSON.parse(process.argv[2]);
const cpu0 = process.cpuUsage();
const r = await autocannon({
  url: o.url, method: 'POST', headers: o.headers, body: o.body,
  connections: o.connections ?? 50, pipelining: 1, duration: o.duration ?? 10, timeout: 10,
});
const ok = r['2xx'];
process.stdout.write(JSON.stringify({
  ok, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, duration: r.duration,
  rps: ok / r.duration, cpuUs: (({ user, system }) => user + system)(process.cpuUsage(cpu0)),
  cpuTotalUs: (({ user, system }) => user + system)(process.cpuUsage()), latency: { p50: r.latency.p50, p99: r.latency.p99, avg: r.latency.average },
}) + '\n');
process.exit(0);
