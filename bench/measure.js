// Process CPU time and RSS from /proc. A target is measured as its whole process tree
// (nginx: master + worker; a gateway that forks workers: all of them).
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clkTck = 100;
try { clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { /* default 100 */ }
export const CLK_TCK = clkTck;

function statFields(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
}

/** pid plus all descendants (bounded scan of /proc). */
export function processTree(rootPid) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { parent.set(Number(d), Number(statFields(d)[1])); } catch { /* exited */ }
  }
  const out = [rootPid];
  for (let i = 0; i < out.length && i < 1000; i++) for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
}

/** utime+stime of the tree (or of the given pids), in seconds. */
export function cpuSeconds(rootPid, pids = processTree(rootPid)) {
  let ticks = 0;
  for (const pid of pids) {
    try { const f = statFields(pid); ticks += Number(f[11]) + Number(f[12]); } catch { /* exited */ }
  }
  return ticks / CLK_TCK;
}

/** VmRSS of the tree (or of the given pids), in KB. */
export function rssKb(rootPid, pids = processTree(rootPid)) {
  let kb = 0;
  for (const pid of pids) {
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { /* exited */ }
  }
  return kb;
}

/** Samples RSS of a tree every `ms` until stop() → {max, samples}. */
export function rssSampler(rootPid, ms = 250) {
  const samples = [];
  const tree = processTree(rootPid); // once: keeps the sampling cheap on the load generator's core
  const t = setInterval(() => { try { samples.push(rssKb(rootPid, tree)); } catch { /* ignore */ } }, ms);
  return { stop() { clearInterval(t); return { max: samples.length ? Math.max(...samples) : rssKb(rootPid), samples }; } };
}

/**
 * Machine-wide CPU time spent in processes (user + nice + system, all cores), in seconds, from
 * /proc/stat. irq/softirq are left out: loopback TCP processing lands there, is not charged to any
 * process, and would make our own traffic look like somebody else's load.
 */
export function machineBusySeconds() {
  const f = readFileSync('/proc/stat', 'utf8').slice(0, 200).split('\n', 1)[0].trim().split(/\s+/).slice(1, 4).map(Number);
  return (f[0] + f[1] + f[2]) / CLK_TCK;
}
