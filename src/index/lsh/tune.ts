import { toDense, type DenseInput, type DenseMatrix } from '../../core/matrix.js';
import { KnnkitError, checkInteger, checkNumber } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { resolveMetric } from '../../metrics/registry.js';
import type { MetricSpec } from '../../metrics/types.js';
import { BruteForce } from '../../search/brute-force/brute-force.js';
import { LshCore } from './lsh-core.js';
import { autoMode, checkModeMetric, deriveParams } from './params.js';

export interface TuneLshOptions {
  metric?: MetricSpec;
  /** "simhash" or "pstable" (default: by metric). */
  mode?: 'auto' | 'simhash' | 'pstable';
  /** Recall@k to reach on the held-out sample queries (default 0.9). */
  targetRecall?: number;
  k?: number;
  /** Buckets probed per table (multi-probe) the index will be searched with (default 1). */
  probes?: number;
  /** Most tables tried (default 64). */
  maxTables?: number;
  /** Rows sampled from the data (default 10,000), of which `queries` are held out as queries. */
  sampleSize?: number;
  queries?: number;
  /** Fix K instead of trying a range around the derived K. */
  bits?: number;
  /** p-stable width (default derived as the index derives it). */
  w?: number;
  seed?: number;
}

export interface TuneLshResult {
  mode: 'simhash' | 'pstable';
  bits: number;
  tables: number;
  w: number;
  /** Sample recall@k reached with these K and L. */
  recall: number;
  /** Mean distinct candidates re-ranked per sample query. */
  candidates: number;
  /** Every K tried: the smallest L reaching the target (0 = none up to maxTables) and its cost. */
  tried: { bits: number; tables: number; recall: number; candidates: number; cost: number }[];
}

/**
 * Picks K (bits per table) and L (tables) for a target recall, measured rather than assumed:
 * the 1 - (1 - p^K)^L model (./hash-family.ts) needs each neighbour's distance, so instead, for
 * each K, one index of maxTables tables is built on a sample and each held-out query's true
 * neighbours are traced to the first table (with `probes` buckets) that finds them; recall(L)
 * and the mean candidates after L tables then come for every L at once. Among the (K, L)
 * reaching the target it returns the cheapest by the per-query work model
 * candidates (exact distances) + L K (projections), both in units of d multiply-adds.
 */
export function tuneLsh(data: DenseInput, opts: TuneLshOptions = {}): TuneLshResult {
  const X = toDense(data, { name: 'data' });
  const metric = resolveMetric(opts.metric ?? 'euclidean');
  const mode = !opts.mode || opts.mode === 'auto' ? autoMode(metric) : opts.mode;
  if (mode !== 'simhash' && mode !== 'pstable') throw new KnnkitError('mode', `mode: got ${JSON.stringify(opts.mode)}; tuneLsh picks K and L of "simhash" and "pstable"`);
  checkModeMetric(mode, metric);
  const target = checkNumber('targetRecall', opts.targetRecall ?? 0.9, 0, 1, { minExclusive: true });
  const k = checkInteger('k', opts.k ?? 10, 1);
  const probes = checkInteger('probes', opts.probes ?? 1, 1);
  const maxTables = checkInteger('maxTables', opts.maxTables ?? 64, 1, 1024);
  const seed = opts.seed ?? 1;
  const rng = new Rng(seed);
  const n = X.rows, d = X.cols;
  const sampleN = Math.min(n, checkInteger('sampleSize', opts.sampleSize ?? 10000, 2));
  const rows = sampleN < n ? rng.permutation(n).subarray(0, sampleN) : rng.permutation(n);
  const nq = Math.min(checkInteger('queries', opts.queries ?? 100, 1), Math.max(1, Math.floor(sampleN / 10)));
  if (sampleN - nq <= k) throw new KnnkitError('data', `data: ${n} rows are too few to tune for k = ${k}`);
  const take = (r: Int32Array): DenseMatrix => {
    const out = new Float32Array(r.length * d);
    for (let i = 0; i < r.length; i++) out.set(X.data.subarray(r[i] * d, r[i] * d + d), i * d);
    return { kind: 'dense', data: out, rows: r.length, cols: d };
  };
  const Q = take(rows.subarray(0, nq)), B = take(rows.subarray(nq));
  const truth = new BruteForce(B, { metric }).search(Q, k).indices;
  const labels = Int32Array.from({ length: B.rows }, (_, i) => i);
  const derived = deriveParams(B, metric, { mode, seed, w: opts.w, bits: opts.bits, tables: maxTables });
  const w = derived.w;
  const maxBits = mode === 'simhash' ? 32 : 64;
  const ks = opts.bits !== undefined ? [opts.bits] : range(Math.max(1, derived.bits - 4), Math.min(maxBits, derived.bits + 6));
  const tried: TuneLshResult['tried'] = [];
  let best: TuneLshResult | null = null, fallback: TuneLshResult | null = null;
  for (const K of ks) {
    const core = new LshCore(metric, d, { mode, tables: maxTables, bits: K, w, seed });
    core.add(B, labels);
    const { firstTable, candidates } = core.profile(Q, truth, k, probes);
    const found = new Int32Array(maxTables + 1);
    for (const t of firstTable) found[t]++;
    let cum = 0, L = 0, rec = 0;
    for (let t = 0; t < maxTables; t++) {
      cum += found[t];
      rec = cum / firstTable.length;
      if (rec >= target) { L = t + 1; break; }
    }
    const Lc = L || maxTables;
    const cost = candidates[Lc - 1] + Lc * K;
    tried.push({ bits: K, tables: L, recall: rec, candidates: candidates[Lc - 1], cost });
    const res: TuneLshResult = { mode, bits: K, tables: Lc, w, recall: rec, candidates: candidates[Lc - 1], tried };
    if (L > 0 && (!best || cost < best.candidates + best.tables * best.bits)) best = res;
    if (!fallback || rec > fallback.recall) fallback = res;
  }
  return best ?? fallback!;
}

function range(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = lo; i <= hi; i++) out.push(i);
  return out;
}
