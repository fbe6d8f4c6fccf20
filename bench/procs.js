// Child-process bookkeeping: CPU pinning with taskset, JSON-speaking load children, readiness polling,
// and killing every child (and its descendants) at the end, on error and on SIGINT/SIGTERM.
import { spawn, execFileSync } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { request } from 'undici';
import { processTree } from './measure.js';

export const HAS_TASKSET = (() => {
  try { execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }); return true; } catch { return false; }
})();
export const CORE_PROXY = 0;
export const CORE_LOAD = 1;

const children = new Set();

/** Pins the current process (the orchestrator) to a core. */
export function pinSelf(core) {
  if (HAS_TASKSET) try { execFileSync('taskset', ['-pc', String(core), String(process.pid)], { stdio: 'ignore' }); } catch { /* ignore */ }
}

/** The argv that runs `cmd args` pinned to `core` (taskset execs, so the pid is the program's). */
export function pinnedArgv(core, cmd, args) {
  return HAS_TASKSET ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

/** Spawns a long-running process pinned to `core`, stdout+stderr to `logFile`. */
export function spawnService(core, cmd, args, { env, cwd, logFile }) {
  const fd = openSync(logFile, 'a');
  const [c, a] = pinnedArgv(core, cmd, args);
  const child = spawn(c, a, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  track(child);
  child.commandLine = [c, ...a].join(' ');
  child.logFile = logFile;
  return child;
}

function track(child) {
  children.add(child);
  child.exited = false;
  child.on('exit', () => { child.exited = true; children.delete(child); });
  child.on('error', () => { child.exited = true; children.delete(child); });
}

export function logTail(child, n = 15) {
  try { return readFileSync(child.logFile, 'utf8').split('\n').slice(-n).join('\n'); } catch { return ''; }
}

/**
 * Runs a node script pinned to `core`, passing `opts` as JSON. Calls onLine(obj) for each JSON line on
 * stdout; resolves with all of them when it exits. Killed after timeoutMs.
 */
export function runJson(script, opts, { core = CORE_LOAD, timeoutMs, onLine } = {}) {
  return new Promise((resolve, reject) => {
    const [c, a] = pinnedArgv(core, process.execPath, [script, JSON.stringify(opts)]);
    const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    const lines = [];
    let buf = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (s) => {
      buf += s;
      let i;
      while ((i = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        try { const obj = JSON.parse(line); lines.push(obj); onLine?.(obj, child); } catch { /* not JSON */ }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s) => { err = (err + s).slice(-4000); });
    const timer = setTimeout(() => { err += `\n[killed after ${timeoutMs} ms]`; killTree(child, 'SIGKILL'); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (lines.length) resolve(lines);
      else reject(new Error(`${script} exited ${code}: ${err.trim().slice(-800)}`));
    });
  });
}

/** Signals a child and all its descendants, by pid. */
export function killTree(child, signal = 'SIGTERM') {
  if (!child?.pid || child.exited) return;
  let pids = [child.pid];
  try { pids = processTree(child.pid); } catch { /* /proc unavailable */ }
  for (const pid of pids.reverse()) { try { process.kill(pid, signal); } catch { /* gone */ } }
}

/** SIGTERM, then SIGKILL after graceMs. */
export async function stopChild(child, graceMs = 3000) {
  if (!child || child.exited) return;
  const tree = (() => { try { return processTree(child.pid); } catch { return [child.pid]; } })();
  const gone = new Promise((r) => child.once('exit', r));
  try { child.kill('SIGTERM'); } catch { /* gone */ }
  await Promise.race([gone, sleep(graceMs)]);
  for (const pid of tree) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

export async function stopAll(graceMs = 3000) {
  await Promise.all([...children].map((c) => stopChild(c, graceMs)));
}

let cleaning = false;
/** Installs the exit/SIGINT/SIGTERM/error handlers that kill every child; onFatal(err) then writes what it can. */
export function installCleanup(onFatal) {
  process.on('exit', () => { for (const c of children) killTree(c, 'SIGKILL'); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      if (cleaning) return;
      cleaning = true;
      process.stderr.write(`\n${sig}: stopping ${children.size} child process(es)…\n`);
      await stopAll(1500);
      try { await onFatal?.(new Error(sig)); } catch { /* ignore */ }
      process.exit(130);
    });
  }
  const fatal = async (e) => {
    if (cleaning) return;
    cleaning = true;
    process.stderr.write(`\nfatal: ${e?.stack || e}\n`);
    try { await onFatal?.(e); } catch { /* ignore */ }
    await stopAll(1500);
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Polls until `ok(status)` for GET origin+path, the child exits, or timeoutMs passes. */
export async function waitHttp(origin, path, { child, timeoutMs = 20_000, ok = (s) => s < 500 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    if (child?.exited) throw new Error(`exited during startup (code ${child.exitCode})`);
    try {
      const r = await request(origin + path, { method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 });
      await r.body.dump();
      if (ok(r.statusCode)) return r.statusCode;
      last = `HTTP ${r.statusCode}`;
    } catch (e) { last = e.code || e.message; }
    await sleep(100);
  }
  throw new Error(`not ready after ${timeoutMs} ms (${last})`);
}
