// Small numeric helpers shared by the sections and the report.
export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Median of each numeric field over a list of per-round records. */
export function medianOf(rounds, fields) {
  const out = { n: rounds.length };
  for (const f of fields) out[f] = median(rounds.map((r) => r?.[f]));
  return out;
}

export const ratio = (a, b) => (a != null && b ? a / b : null);

export function fmt(x, digits = 1) {
  if (x == null || Number.isNaN(x)) return '–';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
}
