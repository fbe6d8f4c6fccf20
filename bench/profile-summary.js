// Summarizes a V8 .cpuprofile: the functions with the most self time and the most total
// (inclusive) time, as a share of all samples. Usage: node bench/profile-summary.js FILE [top=40] [filter]
// `filter` keeps only functions whose url contains it (e.g. "dist/" for Switchyard's own code).
import { readFileSync } from 'node:fs';

const [file, topArg = '40', filter] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const total = profile.samples.length;

const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(dist|node_modules|src)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};
const self = new Map();
const inclusive = new Map();
for (const [id, count] of hits) {
  const node = byId.get(id);
  self.set(label(node), (self.get(label(node)) ?? 0) + count);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at));
    if (seen.has(name)) continue; // recursion counts once
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + count);
  }
}
const show = (title, map) => {
  console.log(`\n${title} (${total} samples)`);
  [...map].filter(([name]) => !filter || name.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))
    .forEach(([name, count]) => console.log(`${(100 * count / total).toFixed(1).padStart(5)} %  ${name}`));
};
show('self', self);
show('total', inclusive);
