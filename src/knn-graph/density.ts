import type { Matrix } from '../core/data.js';
import { matrixTakeRows } from '../core/data.js';
import { BruteForce } from '../search/brute-force/brute-force.js';
import { BLOCK, distanceBlock, pairSquaredDistance, rowSquaredNorms, scatterRow } from './distances.js';

/** MATLAB's eps (2^-52): the reference code's `1 / (avg_dist + eps)`. */
export const MATLAB_EPS = 2.220446049250313e-16;

/**
 * What the density step (paper's Eq. 3) needs from the same-class distances of every node:
 * the `sMax` smallest non-zero squared distances to same-class samples, ascending (or, when a
 * node has no such sample, the smallest squared distances to all other samples, zeros kept,
 * exactly as the reference code's fallback), and the `nearest` closest same-class samples
 * (zero distances included, self excluded) for the reference rule's all-zero fallback.
 */
export interface ClassNeighbourhoods {
  sMax: number;
  /** n x sMax squared distances, ascending; count[j] of them are valid. */
  d2: Float64Array;
  count: Int32Array;
  /** n x 2 closest same-class samples by distance (-1 when fewer exist). */
  nearestSame: Int32Array;
}

export function classNeighbourhoods(X: Matrix, yIds: Int32Array, nClasses: number, sMax: number): ClassNeighbourhoods {
  const nb = emptyNeighbourhoods(X.rows, sMax, false);
  const norms = rowSquaredNorms(X);
  for (const rows of classMembers(yIds, nClasses)) classNeighbourhoodsOf(X, norms, rows, nb);
  neighbourhoodFallback(X, norms, nb);
  return nb;
}

/** Zeroed result arrays (`shared`: on SharedArrayBuffers, for worker threads to fill). */
export function emptyNeighbourhoods(n: number, sMax: number, shared: boolean): ClassNeighbourhoods {
  const sab = (bytes: number) => new SharedArrayBuffer(Math.max(1, bytes));
  const d2 = shared ? new Float64Array(sab(n * sMax * 8), 0, n * sMax) : new Float64Array(n * sMax);
  const count = shared ? new Int32Array(sab(n * 4), 0, n) : new Int32Array(n);
  const nearestSame = (shared ? new Int32Array(sab(n * 8), 0, n * 2) : new Int32Array(n * 2)).fill(-1);
  return { sMax, d2, count, nearestSame };
}

/** The rows of every class, ascending. */
export function classMembers(yIds: Int32Array, nClasses: number): Int32Array[] {
  const sizes = new Int32Array(nClasses);
  for (let i = 0; i < yIds.length; i++) sizes[yIds[i]]++;
  const out = Array.from(sizes, (s) => new Int32Array(s));
  sizes.fill(0);
  for (let i = 0; i < yIds.length; i++) out[yIds[i]][sizes[yIds[i]]++] = i;
  return out;
}

/**
 * One class's part of `classNeighbourhoods` (rows: its members, ascending); classes write
 * disjoint rows of `nb`, so threads may fill one shared result class by class.
 *
 * The exact engine ranks the members (float64 squared distances, ties by lower index) and the
 * values are recomputed with the blockwise arithmetic (`pairSquaredDistance`), so that they
 * equal what a full D2 would hold. Zero distances (self, duplicates) are skipped, so a row
 * with many duplicates may need a deeper search: k doubles for those rows only.
 */
export function classNeighbourhoodsOf(X: Matrix, norms: Float64Array, rows: Int32Array, nb: ClassNeighbourhoods): void {
  const nc = rows.length, sMax = nb.sMax, { d2, count, nearestSame } = nb;
  if (nc < 2) return;
  const rowJ = X.kind === 'csr' ? new Float32Array(X.cols) : null;
  const top = new Float64Array(sMax);
  const sub = matrixTakeRows(X, rows);
  const bf = new BruteForce(sub, { metric: 'sqeuclidean' });
  let pending: number[] | null = null; // null: every member
  let k = Math.min(nc, sMax + 2);
  while (pending === null || pending.length > 0) {
    const Q = pending === null ? sub : matrixTakeRows(sub, pending);
    const res = bf.search(Q, k);
    const next: number[] = [];
    for (let q = 0; q < Q.rows; q++) {
      const r = pending === null ? q : pending[q], j = rows[r];
      scatterRow(X, j, rowJ!);
      let cnt = 0, near = 0;
      for (let t = q * k; t < (q + 1) * k; t++) {
        const rt = res.indices[t];
        if (rt === r) continue;
        // closest two same-class samples (zeros included), ties by lower index
        if (near < 2) nearestSame[2 * j + near++] = rows[rt];
        const v = pairSquaredDistance(X, norms, j, rows[rt], rowJ);
        if (v === 0) continue; // the reference code drops zero distances (self and duplicates)
        cnt = insertSmallest(top, cnt, sMax, v);
      }
      scatterRow(X, j, rowJ!, true);
      if (cnt < sMax && k < nc) { next.push(r); continue; }
      if (cnt > 0) {
        d2.set(top.subarray(0, cnt), j * sMax);
        count[j] = cnt;
      }
    }
    pending = next;
    k = Math.min(nc, 2 * k);
  }
}

/** Rows without another same-class sample at a non-zero distance: all samples, self removed (reference code's fallback). */
export function neighbourhoodFallback(X: Matrix, norms: Float64Array, nb: ClassNeighbourhoods): void {
  const n = X.rows, sMax = nb.sMax;
  if (n < 2) return;
  const scratch = X.kind === 'csr' ? new Float32Array(BLOCK * X.cols) : undefined;
  const one = new Float64Array(n), top = new Float64Array(sMax);
  for (let j = 0; j < n; j++) {
    if (nb.count[j] > 0) continue;
    distanceBlock(X, norms, j, j + 1, 0, n, one, scratch);
    let cnt = 0;
    for (let t = 0; t < n; t++) if (t !== j) cnt = insertSmallest(top, cnt, sMax, one[t]);
    nb.d2.set(top.subarray(0, cnt), j * sMax);
    nb.count[j] = cnt;
  }
}

/** Keeps the `cap` smallest values of a stream in ascending order in top[0..cnt). */
function insertSmallest(top: Float64Array, cnt: number, cap: number, v: number): number {
  if (cnt === cap && v >= top[cap - 1]) return cnt;
  let p = cnt < cap ? cnt++ : cap - 1;
  while (p > 0 && top[p - 1] > v) { top[p] = top[p - 1]; p--; }
  top[p] = v;
  return cnt;
}

export interface DensityResult {
  /** Combined normalised density rho_j in [0, 1]. */
  rho: Float64Array;
  /** The scale weights w_s actually used (sum 1). */
  scaleWeights: number[];
  /** lambda_j = lambda_min + (lambda_max - lambda_min) (1 - rho_j). */
  lambda: Float64Array;
}

/**
 * Paper's Eq. 3 as the reference code computes it: per scale s, rho_s[j] = 1 / (mean of the s
 * smallest same-class squared distances + eps), min-max normalised over j; scale weights from
 * the slope of the (min-max normalised) mean density across scales unless given; rho is the
 * weighted sum; lambda_j maps high density to little regularisation.
 */
export function densityLambda(
  nb: ClassNeighbourhoods, n: number, scales: readonly number[],
  lambdaMin: number, lambdaMax: number, fixedWeights?: readonly number[],
): DensityResult {
  const S = scales.length;
  const raw: Float64Array[] = scales.map((s) => {
    const r = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const k = Math.min(s, nb.count[j]);
      let sum = 0;
      for (let t = 0; t < k; t++) sum += nb.d2[j * nb.sMax + t];
      // n = 1 leaves no distance at all: mean of nothing is NaN in MATLAB; use density 0 instead
      r[j] = k > 0 ? 1 / (sum / k + MATLAB_EPS) : 0;
    }
    return r;
  });
  let weights: number[];
  if (fixedWeights) weights = fixedWeights.slice();
  else {
    // adaptive_weight_selection: mean raw density per scale, normalised across scales
    const g = raw.map((r) => r.reduce((a, b) => a + b, 0) / n);
    const lo = Math.min(...g), hi = Math.max(...g);
    const gn = hi > lo ? g.map((v) => (v - lo) / (hi - lo)) : g.map(() => 1);
    if (S > 1) {
      let slope = 0;
      for (let s = 1; s < S; s++) slope += gn[s] - gn[s - 1];
      slope /= S - 1;
      if (slope > 0.1) weights = linspace(0.2, 0.5, S);
      else if (slope < -0.1) weights = linspace(0.5, 0.2, S);
      else weights = scales.map(() => 1 / S);
    } else weights = [1];
  }
  const wsum = weights.reduce((a, b) => a + b, 0);
  weights = weights.map((w) => w / wsum);
  const rho = new Float64Array(n);
  for (let s = 0; s < S; s++) {
    const r = raw[s];
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < n; j++) { if (r[j] < lo) lo = r[j]; if (r[j] > hi) hi = r[j]; }
    for (let j = 0; j < n; j++) rho[j] += weights[s] * (hi > lo ? (r[j] - lo) / (hi - lo) : 1);
  }
  const lambda = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    // guard rounding (sum of weights 1 +- ulp) so that the invariants rho in [0,1], lambda in [min,max] hold
    rho[j] = Math.min(1, Math.max(0, rho[j]));
    lambda[j] = lambdaMin + (lambdaMax - lambdaMin) * (1 - rho[j]);
  }
  return { rho, scaleWeights: weights, lambda };
}

function linspace(a: number, b: number, k: number): number[] {
  if (k === 1) return [b];
  return Array.from({ length: k }, (_, i) => a + ((b - a) * i) / (k - 1));
}

/**
 * sigma = median of the pairwise (non-squared) distances over i < j, 1 when that median is 0
 * (reference code's median heuristic). Selection runs on the squared values (monotone), the two
 * middle ones are square-rooted and averaged as MATLAB's median does for an even count.
 */
export function medianPairwiseDistance(D2: Float32Array, n: number): number {
  const m = (n * (n - 1)) / 2;
  if (m === 0) return 1;
  const v = new Float64Array(m);
  let p = 0;
  for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) v[p++] = D2[i * n + k];
  return medianOfSquared(v);
}

export function medianOfSquared(v: Float64Array): number {
  const m = v.length;
  if (m === 0) return 1;
  const hi = select(v, m >> 1);
  let med: number;
  if (m % 2 === 1) med = Math.sqrt(hi);
  else {
    // the largest value below position m/2 is the max of the left part after selection
    let lo = -Infinity;
    for (let i = 0; i < m >> 1; i++) if (v[i] > lo) lo = v[i];
    med = (Math.sqrt(lo) + Math.sqrt(hi)) / 2;
  }
  return med > 0 ? med : 1;
}

/** Quickselect (Hoare partition, median-of-three): v[k] is the k-th smallest afterwards. */
function select(v: Float64Array, k: number): number {
  let lo = 0, hi = v.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const a = v[lo], b = v[mid], c = v[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    let i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) { const t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return v[k];
}
