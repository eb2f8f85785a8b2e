import { KnnkitError } from '../core/errors.js';
import type { WeightFunction } from './params.js';

/**
 * Neighbour weights w_i from the distances d_i of one query's neighbours (nearest first).
 *
 * - uniform:  w_i = 1.
 * - distance: w_i = 1 / d_i. If any d_i = 0 (an exact match), the zero-distance neighbours get
 *   weight 1 and all others 0, exactly as scikit-learn's `_get_weights`.
 * - shepard (regression): w_i = 1 / d_i^p (Shepard 1968, power p, default 2), same zero rule.
 * - kernels, with u_i = d_i / h:
 *     gaussian      K(u) = exp(-u^2 / 2)
 *     epanechnikov  K(u) = 1 - u^2      for u < 1, else 0
 *     tricube       K(u) = (1 - u^3)^3  for u < 1, else 0
 *   (constant factors such as 3/4 cancel in the normalised vote / Nadaraya-Watson average.)
 *   The bandwidth h is the distance to the k-th (farthest returned) neighbour unless `bandwidth`
 *   is given (radius estimators: the radius). With h from the k-th neighbour the compact kernels
 *   give that neighbour weight 0, as in loess.
 *   h = 0 means every neighbour is at distance 0 (the query duplicates them): all get weight 1.
 *   If a compact kernel gives every neighbour weight 0 (all at distance >= h), the query falls
 *   back to uniform weights rather than leaving the vote undefined.
 * - a function: called with the distances of one query, must return as many finite
 *   non-negative weights, not all zero (all zero is an error naming the query, as scikit-learn).
 */
export interface WeightOptions {
  bandwidth?: number;
  /** Shepard exponent p. */
  power?: number;
}

export type WeightKind = 'uniform' | 'distance' | 'shepard' | 'gaussian' | 'epanechnikov' | 'tricube';

/** Fills `out[0..n)` with the weights of a neighbour row `dist[0..n)`. */
export function neighborWeights(kind: WeightKind | WeightFunction, dist: Float64Array, n: number, out: Float64Array, opts: WeightOptions, query: number): void {
  if (typeof kind === 'function') {
    const w = kind(dist.slice(0, n));
    if (!w || typeof (w as ArrayLike<number>).length !== 'number' || w.length !== n) {
      throw new KnnkitError('weights', `weights: the weight function returned ${w == null ? String(w) : `${(w as ArrayLike<number>).length} values`} for query ${query}; expected ${n} (one per neighbour)`);
    }
    let any = false;
    for (let i = 0; i < n; i++) {
      const v = w[i];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new KnnkitError('weights', `weights: the weight function returned ${v} for neighbour ${i} of query ${query}; expected finite non-negative numbers`);
      out[i] = v;
      if (v > 0) any = true;
    }
    if (!any && n > 0) throw new KnnkitError('weights', `weights: every neighbour of query ${query} got weight 0 from the weight function; a prediction needs at least one positive weight`);
    return;
  }
  switch (kind) {
    case 'uniform':
      out.fill(1, 0, n);
      return;
    case 'distance':
    case 'shepard': {
      if (zeroDistanceRule(dist, n, out)) return;
      const p = kind === 'distance' ? 1 : opts.power ?? 2;
      for (let i = 0; i < n; i++) out[i] = p === 1 ? 1 / dist[i] : 1 / Math.pow(dist[i], p);
      return;
    }
    default: {
      const h = opts.bandwidth ?? (n > 0 ? dist[n - 1] : 0);
      if (!(h > 0)) { out.fill(1, 0, n); return; }
      let any = false;
      for (let i = 0; i < n; i++) {
        const u = dist[i] / h;
        let w: number;
        if (kind === 'gaussian') w = Math.exp(-0.5 * u * u);
        else if (u >= 1) w = 0;
        else if (kind === 'epanechnikov') w = 1 - u * u;
        else { const t = 1 - u * u * u; w = t * t * t; }
        out[i] = w;
        if (w > 0) any = true;
      }
      if (!any) out.fill(1, 0, n);
    }
  }
}

/** scikit-learn's exact-match rule: zero-distance neighbours take all the weight. */
function zeroDistanceRule(dist: Float64Array, n: number, out: Float64Array): boolean {
  let zero = false;
  for (let i = 0; i < n; i++) if (dist[i] === 0) { zero = true; break; }
  if (!zero) return false;
  for (let i = 0; i < n; i++) out[i] = dist[i] === 0 ? 1 : 0;
  return true;
}

/**
 * numpy's pairwise summation of a[0..n) (what `np.sum(..., axis=1)` does on a contiguous row):
 * sequential below 8 terms, eight interleaved accumulators up to 128, halving above.
 * Used where scikit-learn's result depends on the summation order (weighted_mode's class
 * totals, the regressor's weighted mean), so that exact ties resolve the same way.
 */
export function numpyPairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = -0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return numpyPairwiseSum(a, start, n2) + numpyPairwiseSum(a, start + n2, n - n2);
}
