import type { Matrix } from '../core/data.js';
import type { Label } from '../core/labels.js';
import { FittedIndex, type Neighborhoods } from '../learn/base.js';
import { encodeClassTargets } from '../learn/estimator.js';
import { classVotes } from '../learn/voting.js';
import { checkIndexParams, type IndexParams } from '../learn/params.js';
import { aggregateTargets, checkTargets } from '../learn/regression.js';
import type { SharedPredict } from './grid-search.js';

const NAMED_WEIGHTS = new Set(['uniform', 'distance', 'gaussian', 'epanechnikov', 'tricube']);
const REGRESSOR_NAMED_WEIGHTS = new Set([...NAMED_WEIGHTS, 'shepard']);

/** k_max of a candidate list whose members only set k and a named weighting; undefined otherwise. */
function largestK(candidates: Record<string, unknown>[], allowed: Set<string>): number | undefined {
  let kmax = 0;
  for (const c of candidates) {
    if (Object.keys(c).some((key) => key !== 'k' && key !== 'weights')) return undefined;
    const k = c.k ?? 5, w = c.weights ?? 'uniform';
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || typeof w !== 'string' || !allowed.has(w)) return undefined;
    kmax = Math.max(kmax, k);
  }
  return kmax;
}

/**
 * Predictions of every (k, weights) candidate of a KNeighborsClassifier grid from ONE neighbour
 * search with the largest k. Exact engines return the k nearest neighbours as a prefix of the
 * k_max nearest (both sorted by distance, ties by lower index), and every candidate's vote is
 * then computed from its prefix with the estimator's own voting code (classVotes on float64
 * distances), so the predictions are identical to fitting each candidate separately (tested),
 * at the cost of one search instead of one per candidate. This is what makes the CV-kNN baseline
 * (7 k values x 2 weightings x 5 inner folds per outer fold) cheap.
 *
 * knnClassifierGrid / knnRegressorGrid return undefined (GridSearchCV then fits each candidate) when a candidate sets anything other
 * than k and a named weighting, or when the engine is approximate (HNSW: its k-NN lists are not
 * prefixes of one another).
 */
export function knnClassifierGrid(base: IndexParams = {}): SharedPredict {
  return sharedSearchGrid(base, NAMED_WEIGHTS, encodeClassTargets, (nb, t, weights) =>
    t.enc.decode(classVotes(nb, t.y, { weights, nClasses: t.enc.size }).pred));
}

/**
 * The same shortcut for a KNeighborsRegressor grid over k and weights (mean aggregate, Shepard
 * power 2): one search with k_max, each candidate averaged over its prefix with the
 * regressor's own aggregation code.
 */
export function knnRegressorGrid(base: IndexParams = {}): SharedPredict {
  return sharedSearchGrid(base, REGRESSOR_NAMED_WEIGHTS, (y, n) => checkTargets(y, n), (nb, y, weights) =>
    aggregateTargets(nb, y, { weights, aggregate: 'mean', power: 2 }) as unknown as Label[]);
}

/**
 * The shortcut both grids share: check the training targets (as the estimator's fit would),
 * search once with k_max, then predict each candidate from the first k of every neighbour row.
 * `T` is the checked targets (encoded classes or float64 values).
 */
function sharedSearchGrid<T>(
  base: IndexParams,
  allowed: Set<string>,
  targets: (y: ArrayLike<Label>, n: number) => T,
  predict: (nb: Neighborhoods, t: T, weights: 'uniform') => Label[],
): SharedPredict {
  const params = checkIndexParams(base);
  return (candidates, Xtr: Matrix, ytr: ArrayLike<Label>, Xte: Matrix) => {
    const kmax = largestK(candidates, allowed);
    if (kmax === undefined) return undefined;
    const t = targets(ytr, Xtr.rows);
    const index = new FittedIndex(Xtr, params, kmax);
    if (!index.engine.exact) return undefined;
    const nb = index.kneighbors(index.queries(Xte), kmax);
    const width = nb.nQueries > 0 ? nb.offsets[1] - nb.offsets[0] : 0;
    return candidates.map((c) => {
      const k = Math.min((c.k as number | undefined) ?? 5, width);
      // a named weighting (largestK checked it); typed as one member for the weight unions
      const weights = ((c.weights as string | undefined) ?? 'uniform') as 'uniform';
      return predict(prefix(nb, width, k), t, weights);
    });
  };
}

/** The first k of each fixed-width row. */
function prefix(nb: Neighborhoods, width: number, k: number): Neighborhoods {
  if (k === width) return nb;
  const n = nb.nQueries;
  const offsets = new Int32Array(n + 1), indices = new Int32Array(n * k), distances = new Float64Array(n * k);
  for (let q = 0; q < n; q++) {
    offsets[q + 1] = (q + 1) * k;
    indices.set(nb.indices.subarray(q * width, q * width + k), q * k);
    distances.set(nb.distances.subarray(q * width, q * width + k), q * k);
  }
  return { nQueries: n, offsets, indices, distances };
}
