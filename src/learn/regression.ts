import { KnnkitError, checkOneOf, describeValue } from '../core/errors.js';
import type { Neighborhoods } from './base.js';
import { validCount } from './base.js';
import type { WeightFunction } from './params.js';
import type { WeightKind, WeightOptions } from './weights.js';
import { neighborWeights, numpyPairwiseSum } from './weights.js';

export type Aggregate = 'mean' | 'median';

/** The regressors' `aggregate` option (default 'mean'). */
export function checkAggregate(a: unknown): Aggregate {
  return a === undefined ? 'mean' : checkOneOf('aggregate', a, ['mean', 'median'] as const);
}

export interface AggregateSpec extends WeightOptions {
  weights: WeightKind | WeightFunction;
  aggregate: Aggregate;
}

/**
 * Weighted neighbour average (Nadaraya-Watson with the chosen weights): sum w_i y_i / sum w_i,
 * summed as numpy sums (scikit-learn's KNeighborsRegressor). 'uniform' is the plain mean.
 * 'median' takes the weighted median: the value where the cumulative weight of the sorted
 * targets reaches half the total, averaging the two middle values when it lands exactly on half
 * (so uniform weights give numpy's median). Rows with no neighbour (radius) are NaN here; the
 * radius regressor applies its outlier policy.
 */
export function aggregateTargets(nb: Neighborhoods, y: Float64Array, spec: AggregateSpec): Float64Array {
  const out = new Float64Array(nb.nQueries);
  let maxRow = 1;
  for (let q = 0; q < nb.nQueries; q++) maxRow = Math.max(maxRow, nb.offsets[q + 1] - nb.offsets[q]);
  const w = new Float64Array(maxRow), dist = new Float64Array(maxRow), num = new Float64Array(maxRow), vals = new Float64Array(maxRow);
  for (let q = 0; q < nb.nQueries; q++) {
    const s = nb.offsets[q], n = validCount(nb, q);
    if (n === 0) { out[q] = NaN; continue; }
    for (let i = 0; i < n; i++) { dist[i] = nb.distances[s + i]; vals[i] = y[nb.indices[s + i]]; }
    neighborWeights(spec.weights, dist, n, w, spec, q);
    if (spec.aggregate === 'median') { out[q] = weightedMedian(vals, w, n); continue; }
    if (spec.weights === 'uniform') { out[q] = numpyPairwiseSum(vals, 0, n) / n; continue; }
    for (let i = 0; i < n; i++) num[i] = vals[i] * w[i];
    out[q] = numpyPairwiseSum(num, 0, n) / numpyPairwiseSum(w, 0, n);
  }
  return out;
}

export function weightedMedian(vals: Float64Array, w: Float64Array, n: number): number {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => vals[a] - vals[b] || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i];
  const half = total / 2;
  let cum = 0;
  for (let t = 0; t < n; t++) {
    const i = order[t];
    if (w[i] === 0) continue;
    cum += w[i];
    if (cum > half) return vals[i];
    if (cum === half) {
      // exactly half below: average with the next value carrying weight
      for (let u = t + 1; u < n; u++) if (w[order[u]] > 0) return (vals[i] + vals[order[u]]) / 2;
      return vals[i];
    }
  }
  return vals[order[n - 1]];
}

export function checkTargets(y: unknown, n: number, name = 'y'): Float64Array {
  if (y == null || typeof y !== 'object' || typeof (y as ArrayLike<unknown>).length !== 'number') {
    throw new KnnkitError(name, `${name}: targets missing; expected an array of ${n} finite numbers`);
  }
  const a = y as ArrayLike<unknown>;
  if (a.length !== n) throw new KnnkitError(name, `${name}: ${a.length} targets for ${n} samples; expected one target per sample`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new KnnkitError(name, `${name}: target ${describeValue(v)} at position ${i}; expected a finite number`);
    out[i] = v;
  }
  return out;
}
