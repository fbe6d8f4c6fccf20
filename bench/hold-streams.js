// Opens N concurrent streaming requests and keeps them open (the fake upstream is in hold mode:
// it sends its first write, the role chunk and the first content, and then waits for /__release).
// Usage: node bench/hold-streams.js '<json>'  {origin, path, headers, body, n, openTimeoutMs, closeTimeoutMs}
// Prints `{"phase":"open","open":K,...}` once all first chunks arrived (or the open timeout hit), then
// `{"phase":"done","completed":K,...}` after the streams finish (or the close timeout hit).
import { Pool } from 'undici';

const o = { openTimeoutMs: 30_000, closeTimeoutMs: 30_000, ...JSON.parse(process.argv[2]) };
const pool = new Pool(o.origin, { connections: o.n, pipelining: 1 });
let open = 0, completed = 0, errors = 0, firstError = null, reported = false;
const t0 = Date.now();
const say = (x) => process.stdout.write(JSON.stringify(x) + '\n');

function reportOpen() {
  if (reported) return;
  reported = true;
  say({ phase: 'open', open, errors, firstError, ms: Date.now() - t0 });
}
let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  say({ phase: 'done', open, completed, errors, firstError, ms: Date.now() - t0 });
  pool.destroy().finally(() => process.exit(0));
}

for (let k = 0; k < o.n; k++) {
  let first = true;
  pool.request({ path: o.path, method: 'POST', headers: o.headers, body: o.body }, (err, r) => {
    if (err) { errors++; firstError ??= err.message; if (open + errors === o.n) reportOpen(); return; }
    r.body.on('data', () => { if (first) { first = false; open++; if (open + errors === o.n) reportOpen(); } });
    r.body.on('error', (e) => { errors++; firstError ??= e.message; });
    r.body.on('end', () => { completed++; if (completed + errors >= o.n) finish(); });
  });
}
setTimeout(reportOpen, o.openTimeoutMs);
setTimeout(finish, o.openTimeoutMs + o.closeTimeoutMs);
