// What `knnkit search` measures and reports: recall@k against a ground truth, latency
// percentiles, and the recall-vs-queries/s plot (ANN-benchmarks style) as a standalone SVG.
import type { SearchResult } from '../search/results.js';

/** Ground-truth neighbour lists: `cols` ids per query, nearest first (an .ivecs file's rows). */
export interface GroundTruth { data: Int32Array; rows: number; cols: number }

/**
 * recall@k = |found ∩ true| / k averaged over the queries, where "true" is the first k ids of
 * each ground-truth row (ANN-benchmark files list 100; only the first k count) and "found" the
 * k ids the engine returned (unfilled slots, -1, count as misses).
 */
export function recallAtK(res: SearchResult, gt: GroundTruth, k: number): number {
  if (gt.rows !== res.nQueries) throw new Error(`recallAtK: ${gt.rows} ground-truth rows for ${res.nQueries} queries`);
  if (k > gt.cols || k > res.k) throw new Error(`recallAtK: k = ${k} but the ground truth has ${gt.cols} and the result ${res.k} columns`);
  if (res.nQueries === 0 || k === 0) return 1;
  // external ids may exceed int32 (Float64Array `ids`); the common case reads the Int32Array
  const ids: ArrayLike<number> = res.wideIds ? res.ids : res.indices;
  const want = new Set<number>();
  let hits = 0;
  for (let q = 0; q < res.nQueries; q++) {
    want.clear();
    for (let j = 0; j < k; j++) want.add(gt.data[q * gt.cols + j]);
    for (let j = 0; j < k; j++) {
      const id = ids[q * res.k + j];
      if (id >= 0 && want.has(id)) hits++;
    }
  }
  return hits / (res.nQueries * k);
}

/** The p-th percentile (0..100) of the values, by linear interpolation (numpy's default). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const pos = (p / 100) * (n - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export interface PlotPoint { recall: number; qps: number; label?: string }

/**
 * An SVG line plot of queries/s (log scale, y) against recall (x), the ANN-benchmarks
 * picture: up and to the right is better. Self-contained (no fonts or scripts to load).
 */
export function recallQpsSvg(points: PlotPoint[], title: string): string {
  const W = 640, H = 420, L = 70, R = 20, T = 40, B = 50;
  const pw = W - L - R, ph = H - T - B;
  const xs = points.map((p) => p.recall);
  let x0 = Math.min(...xs, 1), x1 = 1;
  x0 = Math.max(0, Math.floor((x0 - 0.02) * 10) / 10);
  if (x1 - x0 < 0.1) x0 = Math.max(0, x1 - 0.1);
  const qs = points.map((p) => Math.max(p.qps, 1e-9));
  let y0 = Math.floor(Math.log10(Math.min(...qs))), y1 = Math.ceil(Math.log10(Math.max(...qs)));
  if (y1 <= y0) y1 = y0 + 1;
  const px = (r: number) => L + ((r - x0) / (x1 - x0)) * pw;
  const py = (q: number) => T + ph - ((Math.log10(Math.max(q, 1e-9)) - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (let i = 0; i <= 10; i++) {
    const r = x0 + ((x1 - x0) * i) / 10;
    const x = px(r).toFixed(1);
    parts.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${T + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${T + ph + 16}" text-anchor="middle">${r.toFixed(2)}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e).toFixed(1);
    parts.push(`<line x1="${L}" y1="${y}" x2="${L + pw}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${L - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmtQps(10 ** e)}</text>`);
  }
  parts.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${L + pw / 2}" y="${H - 10}" text-anchor="middle">recall@k</text>`);
  parts.push(`<text transform="translate(16 ${T + ph / 2}) rotate(-90)" text-anchor="middle">queries/s (log scale)</text>`);
  const sorted = points.slice().sort((a, b) => a.recall - b.recall);
  if (sorted.length > 1) {
    parts.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${sorted.map((p) => `${px(p.recall).toFixed(1)},${py(p.qps).toFixed(1)}`).join(' ')}"/>`);
  }
  for (const p of sorted) {
    const x = px(p.recall).toFixed(1), y = py(p.qps).toFixed(1);
    parts.push(`<circle cx="${x}" cy="${y}" r="4" fill="#1f77b4"><title>${esc(`${p.label ? p.label + ': ' : ''}recall ${p.recall.toFixed(4)}, ${p.qps.toFixed(0)} queries/s`)}</title></circle>`);
    if (p.label) parts.push(`<text x="${x}" y="${(Number(y) - 8).toFixed(1)}" text-anchor="middle" font-size="10">${esc(p.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function fmtQps(q: number): string {
  return q >= 1e6 ? `${q / 1e6}M` : q >= 1e3 ? `${q / 1e3}k` : String(q);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Bytes as a short human string (1.5 MB). */
export function formatBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  const u = ['KB', 'MB', 'GB', 'TB'];
  let v = b / 1024, i = 0;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${u[i]}`;
}
