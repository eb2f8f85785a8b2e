import type { MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { KnnkitError, checkOneOf, invalidParam } from '../core/errors.js';
import type { Neighborhoods } from './base.js';
import { FittedIndex, fitted } from './base.js';
import { percentile } from './outliers.js';
import type { IndexParams, ResolvedIndexParams } from './params.js';
import { checkIndexParams, checkK } from './params.js';
import type { SerializeOptions } from './serialize.js';
import { modelJSON, readModelJSON } from './serialize.js';

export const KNN_OUTLIER_METHODS = ['largest', 'mean', 'median'] as const;
export type KnnOutlierMethod = (typeof KNN_OUTLIER_METHODS)[number];

export interface KNNOutlierDetectorParams extends IndexParams {
  /** Neighbours (default 5, as PyOD's KNN); clamped to the training size (n - 1 for the training points). */
  k?: number;
  /** 'largest' (distance to the k-th neighbour, Ramaswamy et al. 2000; default), 'mean' (Angiulli & Pizzuti 2002) or 'median' of the k distances. */
  method?: KnnOutlierMethod;
  /** Expected outlier fraction in (0, 0.5] (default 0.1, as PyOD): sets the threshold. */
  contamination?: number;
}

/**
 * kNN-distance anomaly detector (PyOD's KNN, with scikit-learn's verbs):
 *
 *   outlier score(p) = the distance to p's k-th nearest training point ('largest'), or the mean /
 *                      median of the distances to its k nearest training points.
 *
 * fit(X) indexes X with the search engines (createIndex: brute force, KD-tree, ball tree or HNSW
 * by `algorithm`) and scores every training point against the others (it is not its own
 * neighbour); `threshold` is the (1 - contamination) percentile of those training scores (numpy's
 * linear interpolation, as PyOD). New points (novelty) are scored against the training points.
 *
 * Score conventions: `outlierScores(X?)` is PyOD's decision_function (larger = more abnormal);
 * `scoreSamples(X?)` = -outlierScores (scikit-learn: larger = more normal);
 * `decisionFunction(X?)` = scoreSamples - offset with offset = -threshold (negative = outlier);
 * `predict(X?)` = -1 for an outlier (score > threshold), +1 for an inlier. X omitted = the training
 * points.
 */
export class KNNOutlierDetector {
  readonly k: number;
  readonly method: KnnOutlierMethod;
  readonly contamination: number;
  readonly indexParams: ResolvedIndexParams;
  private state?: { index: FittedIndex; train: Float64Array; threshold: number };

  constructor(params: KNNOutlierDetectorParams = {}) {
    if (params == null || typeof params !== 'object') throw invalidParam('params', params, 'an object {k, method, contamination, metric, algorithm, ...}');
    this.k = params.k === undefined ? 5 : checkK(params.k);
    this.method = params.method === undefined ? 'largest' : checkOneOf('method', params.method, KNN_OUTLIER_METHODS);
    const c = params.contamination ?? 0.1;
    if (typeof c !== 'number' || !(c > 0 && c <= 0.5)) throw invalidParam('contamination', c, 'a number in (0, 0.5]');
    this.contamination = c;
    this.indexParams = checkIndexParams(params);
  }

  fit(X: MatrixInput): this {
    const Xm = toMatrix(X, { name: 'X', copy: true });
    if (Xm.rows < 2) throw new KnnkitError('X', `X: KNNOutlierDetector needs at least 2 points; got ${Xm.rows}`);
    const index = new FittedIndex(Xm, this.indexParams, this.k);
    const train = this.aggregate(index.kneighborsOfTraining(Math.min(this.k, Xm.rows - 1)));
    this.state = { index, train, threshold: percentile(train, 100 * (1 - this.contamination)) };
    return this;
  }

  private aggregate(nb: Neighborhoods): Float64Array {
    const out = new Float64Array(nb.nQueries);
    for (let q = 0; q < nb.nQueries; q++) {
      const s = nb.offsets[q], e = nb.offsets[q + 1], kk = e - s;
      const d = nb.distances;
      if (this.method === 'largest') out[q] = d[e - 1];
      else if (this.method === 'mean') {
        let t = 0;
        for (let p = s; p < e; p++) t += d[p];
        out[q] = t / kk;
      } else {
        // the distances come nearest first, so the median needs no sort
        out[q] = kk % 2 ? d[s + (kk - 1) / 2] : (d[s + kk / 2 - 1] + d[s + kk / 2]) / 2;
      }
    }
    return out;
  }

  private st(verb: string) { return fitted(this.state, 'KNNOutlierDetector', verb, 'fit(X)'); }

  /** Outlier scores of the training points (PyOD's decision_scores_; larger = more abnormal). */
  get decisionScores(): Float64Array { return this.st('decisionScores').train.slice(); }
  /** Training-score percentile above which a point is an outlier (PyOD's threshold_). */
  get threshold(): number { return this.st('threshold').threshold; }
  /** scikit-learn's offset_: -threshold. */
  get offset(): number { return -this.st('offset').threshold; }
  /** The engine the fit chose ('brute', 'kd-tree', ...). */
  get algorithmUsed(): string { return this.st('algorithmUsed').index.algorithm; }

  /** Larger = more abnormal: X omitted, the training points (each without itself); else new points against the training data. */
  outlierScores(X?: MatrixInput): Float64Array {
    const s = this.st('outlierScores');
    if (X === undefined) return s.train.slice();
    const Q = s.index.queries(X);
    if (Q.rows === 0) return new Float64Array(0);
    return this.aggregate(s.index.kneighbors(Q, this.k));
  }

  /** -outlierScores (scikit-learn's score_samples: larger = more normal). */
  scoreSamples(X?: MatrixInput): Float64Array {
    const o = this.outlierScores(X);
    for (let i = 0; i < o.length; i++) o[i] = -o[i];
    return o;
  }

  /** threshold - outlier score: negative = outlier (scikit-learn's decision_function). */
  decisionFunction(X?: MatrixInput): Float64Array {
    const o = this.outlierScores(X), t = this.threshold;
    for (let i = 0; i < o.length; i++) o[i] = t - o[i];
    return o;
  }

  /** -1 outlier (score > threshold) / +1 inlier. */
  predict(X?: MatrixInput): Int8Array {
    const d = this.decisionFunction(X);
    const out = new Int8Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = d[i] < 0 ? -1 : 1;
    return out;
  }

  fitPredict(X: MatrixInput): Int8Array { return this.fit(X).predict(); }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const s = this.st('toJSON');
    return modelJSON('KNNOutlierDetector', s.index, { k: this.k, method: this.method, contamination: this.contamination }, opts);
  }

  static fromJSON(json: unknown): KNNOutlierDetector {
    const { params, X } = readModelJSON(json, 'KNNOutlierDetector');
    return new KNNOutlierDetector(params as KNNOutlierDetectorParams).fit(X);
  }
}
