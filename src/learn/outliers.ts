import type { MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { KnnkitError, invalidParam } from '../core/errors.js';
import type { Neighborhoods } from './base.js';
import { FittedIndex, fitted } from './base.js';
import type { IndexParams, ResolvedIndexParams } from './params.js';
import { checkIndexParams, checkK } from './params.js';
import type { SerializeOptions } from './serialize.js';
import { modelJSON, readModelJSON } from './serialize.js';
import { numpyPairwiseSum } from './weights.js';

export interface LocalOutlierFactorParams extends IndexParams {
  /** Neighbourhood size k (default 20, as scikit-learn); clamped to n - 1. */
  k?: number;
  /** 'auto' (threshold -1.5, Breunig et al.'s LOF 1.5) or the expected outlier fraction in (0, 0.5]. */
  contamination?: 'auto' | number;
}

/**
 * Local Outlier Factor (Breunig, Kriegel, Ng, Sander 2000), as scikit-learn's LocalOutlierFactor.
 *
 * With N_k(p) the k nearest other points of p and k-dist(o) the distance from o to its k-th:
 *   reach-dist_k(p, o) = max(d(p, o), k-dist(o))
 *   lrd(p) = 1 / (mean_{o in N_k(p)} reach-dist_k(p, o) + 1e-10)   (scikit-learn's guard for duplicates)
 *   LOF(p) = mean_{o in N_k(p)} lrd(o) / lrd(p)
 * `negativeOutlierFactor` = -LOF of each training point (scikit-learn's negative_outlier_factor_,
 * novelty=false semantics: a point is not its own neighbour). Values near -1 are inliers.
 * `predict()` with no X labels the training points (+1 inlier, -1 outlier: -LOF < offset);
 * `scoreSamples(X)` / `predict(X)` score new points against the fitted data (scikit-learn's
 * novelty=true semantics, the new point is not part of the data).
 */
export class LocalOutlierFactor {
  readonly k: number;
  readonly contamination: 'auto' | number;
  readonly indexParams: ResolvedIndexParams;
  private state?: { index: FittedIndex; kEff: number; kDist: Float64Array; lrd: Float64Array; nof: Float64Array; offset: number };

  constructor(params: LocalOutlierFactorParams = {}) {
    this.k = params.k === undefined ? 20 : checkK(params.k);
    const c = params.contamination ?? 'auto';
    if (c !== 'auto' && (typeof c !== 'number' || !(c > 0 && c <= 0.5))) throw invalidParam('contamination', c, '"auto" or a number in (0, 0.5]');
    this.contamination = c;
    this.indexParams = checkIndexParams(params);
  }

  fit(X: MatrixInput): this {
    const Xm = toMatrix(X, { name: 'X', copy: true });
    if (Xm.rows < 2) throw new KnnkitError('X', `X: LocalOutlierFactor needs at least 2 points; got ${Xm.rows}`);
    const index = new FittedIndex(Xm, this.indexParams, this.k);
    const kEff = Math.max(1, Math.min(this.k, Xm.rows - 1));
    const nb = index.kneighborsOfTraining(kEff);
    const kDist = new Float64Array(Xm.rows);
    for (let i = 0; i < Xm.rows; i++) kDist[i] = nb.distances[i * kEff + kEff - 1];
    const lrd = reachDensity(nb, kDist, kEff);
    const nof = lofScores(nb, lrd, lrd, kEff);
    const offset = this.contamination === 'auto' ? -1.5 : percentile(nof, 100 * this.contamination);
    this.state = { index, kEff, kDist, lrd, nof, offset };
    return this;
  }

  /** -LOF of every training point (scikit-learn's negative_outlier_factor_). */
  get negativeOutlierFactor(): Float64Array { return fitted(this.state, 'LocalOutlierFactor', 'negativeOutlierFactor', 'fit(X)').nof.slice(); }
  /** Threshold on the negative outlier factor: below it is an outlier. */
  get offset(): number { return fitted(this.state, 'LocalOutlierFactor', 'offset', 'fit(X)').offset; }

  /** -LOF of new points relative to the fitted data; X omitted: the training points' values. */
  scoreSamples(X?: MatrixInput): Float64Array {
    const s = fitted(this.state, 'LocalOutlierFactor', 'scoreSamples', 'fit(X)');
    if (X === undefined) return s.nof.slice();
    const nb = s.index.kneighbors(s.index.queries(X), s.kEff);
    const lrdX = reachDensity(nb, s.kDist, s.kEff);
    return lofScores(nb, s.lrd, lrdX, s.kEff);
  }

  /** scoreSamples - offset: negative means outlier. */
  decisionFunction(X?: MatrixInput): Float64Array {
    const sc = this.scoreSamples(X);
    const off = this.offset;
    for (let i = 0; i < sc.length; i++) sc[i] -= off;
    return sc;
  }

  /** +1 inlier / -1 outlier, for the training points (X omitted) or for new points. */
  predict(X?: MatrixInput): Int8Array {
    const d = this.decisionFunction(X);
    const out = new Int8Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = d[i] < 0 ? -1 : 1;
    return out;
  }

  fitPredict(X: MatrixInput): Int8Array {
    return this.fit(X).predict();
  }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const s = fitted(this.state, 'LocalOutlierFactor', 'toJSON', 'fit(X)');
    return modelJSON('LocalOutlierFactor', s.index, { k: this.k, contamination: this.contamination }, opts);
  }

  static fromJSON(json: unknown): LocalOutlierFactor {
    const { params, X } = readModelJSON(json, 'LocalOutlierFactor');
    return new LocalOutlierFactor(params as LocalOutlierFactorParams).fit(X);
  }
}

function reachDensity(nb: Neighborhoods, kDist: Float64Array, k: number): Float64Array {
  const out = new Float64Array(nb.nQueries);
  const reach = new Float64Array(k);
  for (let q = 0; q < nb.nQueries; q++) {
    for (let t = 0; t < k; t++) {
      const p = q * k + t;
      reach[t] = Math.max(nb.distances[p], kDist[nb.indices[p]]);
    }
    out[q] = 1 / (numpyPairwiseSum(reach, 0, k) / k + 1e-10);
  }
  return out;
}

function lofScores(nb: Neighborhoods, lrdFit: Float64Array, lrdQ: Float64Array, k: number): Float64Array {
  const out = new Float64Array(nb.nQueries);
  const ratio = new Float64Array(k);
  for (let q = 0; q < nb.nQueries; q++) {
    for (let t = 0; t < k; t++) ratio[t] = lrdFit[nb.indices[q * k + t]] / lrdQ[q];
    out[q] = -(numpyPairwiseSum(ratio, 0, k) / k);
  }
  return out;
}

/** numpy.percentile with linear interpolation. */
export function percentile(values: Float64Array, p: number): number {
  const a = Float64Array.from(values).sort();
  const pos = (p / 100) * (a.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  if (lo === hi) return a[lo];
  return a[lo] + (a[hi] - a[lo]) * (pos - lo);
}

export interface KnnOutlierOptions extends IndexParams {
  /** Neighbours (default 5), clamped to n - 1. */
  k?: number;
  /** 'kth' (distance to the k-th neighbour, Ramaswamy et al. 2000), 'mean' (Angiulli & Pizzuti 2002) or 'median'. */
  aggregate?: 'kth' | 'mean' | 'median';
}

/**
 * kNN-distance outlier score of every point of X: how far it is from its k nearest other points
 * (the seeds' "points that lie far from their k nearest neighbours are likely anomalies").
 * Larger means more anomalous; rank or threshold it (e.g. a percentile).
 */
export function knnOutlierScores(X: MatrixInput, opts: KnnOutlierOptions = {}): Float64Array {
  const k = opts.k === undefined ? 5 : checkK(opts.k);
  const agg = opts.aggregate ?? 'kth';
  if (!['kth', 'mean', 'median'].includes(agg)) throw invalidParam('aggregate', agg, 'one of "kth", "mean", "median"');
  const Xm = toMatrix(X, { name: 'X' });
  if (Xm.rows < 2) throw new KnnkitError('X', `X: an outlier score needs at least 2 points; got ${Xm.rows}`);
  const index = new FittedIndex(Xm, checkIndexParams(opts), k);
  const kk = Math.min(k, Xm.rows - 1);
  const nb = index.kneighborsOfTraining(kk);
  const out = new Float64Array(Xm.rows);
  for (let i = 0; i < Xm.rows; i++) {
    const row = nb.distances.subarray(i * kk, (i + 1) * kk);
    if (agg === 'kth') out[i] = row[kk - 1];
    else if (agg === 'mean') out[i] = numpyPairwiseSum(row, 0, kk) / kk;
    else { const s = Float64Array.from(row).sort(); out[i] = kk % 2 ? s[(kk - 1) / 2] : (s[kk / 2 - 1] + s[kk / 2]) / 2; }
  }
  return out;
}
