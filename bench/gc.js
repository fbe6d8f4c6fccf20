// Forces a full V8 garbage collection in a Node.js target, so RSS readings compare live memory rather
// than whatever garbage the last load left behind. Node targets are started with
// --inspect-port=127.0.0.1:0 (inert until used); the first call activates the inspector with SIGUSR1,
// reads its ws:// address from the target's log, and sends HeapProfiler.collectGarbage.
import { readFileSync } from 'node:fs';
import { WebSocket } from 'undici';
import { sleep } from './procs.js';

export const INSPECT_FLAG = '--inspect-port=127.0.0.1:0';

async function inspectorUrl(t) {
  if (t.inspectorUrl !== undefined) return t.inspectorUrl;
  t.inspectorUrl = null;
  const seen = readFileSync(t.child.logFile, 'utf8').length;
  process.kill(t.pid, 'SIGUSR1');
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    const m = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(readFileSync(t.child.logFile, 'utf8').slice(seen));
    if (m) return (t.inspectorUrl = m[1]);
  }
  return null;
}

/** true when a full GC ran; false for non-Node targets or when the inspector did not answer. */
export async function forceGc(t) {
  if (!t.gcable || !t.pid) return false;
  const url = await inspectorUrl(t);
  if (!url) return false;
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const done = (ok) => { clearTimeout(timer); try { ws.close(); } catch { /* closed */ } resolve(ok); };
    const timer = setTimeout(() => done(false), 15_000);
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    ws.onmessage = (m) => { if (JSON.parse(String(m.data)).id === 1) done(true); };
    ws.onerror = () => done(false);
  });
}
