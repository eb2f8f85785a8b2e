import type { MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { KnnkitError, checkNumber, checkOneOf } from '../core/errors.js';
import type { SearchResult } from '../search/results.js';
import { FittedIndex, fitted, toSearchResult } from './base.js';
import type { IndexParams, RegressorWeights, ResolvedIndexParams } from './params.js';
import { REGRESSOR_WEIGHTS, checkBandwidth, checkIndexParams, checkK, checkWeights } from './params.js';
import type { Aggregate } from './regression.js';
import { aggregateTargets, checkTargets, r2 } from './regression.js';
import type { SerializeOptions } from './serialize.js';
import { b64, checkHeader, decodeMatrix, decodeNumbers, encodeMatrix, header, indexParamsToJSON } from './serialize.js';

export interface KNeighborsRegressorParams extends IndexParams {
  k?: number;
  /** 'uniform' (mean), 'distance' (1/d), 'shepard' (1/d^power), kernels, or a function. */
  weights?: RegressorWeights;
  /** Shepard exponent p (default 2); only with weights 'shepard'. */
  power?: number;
  /** 'mean' (default) or 'median' (weighted median when weights are not uniform). */
  aggregate?: Aggregate;
  bandwidth?: number;
}

/**
 * k-NN regression, scikit-learn's KNeighborsRegressor (single output) plus Shepard's
 * inverse-distance power weighting and a (weighted) median aggregate for skewed targets.
 * k larger than the training set is clamped.
 */
export class KNeighborsRegressor {
  readonly k: number;
  readonly weights: RegressorWeights;
  readonly power: number;
  readonly aggregate: Aggregate;
  readonly bandwidth?: number;
  readonly indexParams: ResolvedIndexParams;
  private state?: { index: FittedIndex; y: Float64Array };

  constructor(params: KNeighborsRegressorParams = {}) {
    this.k = params.k === undefined ? 5 : checkK(params.k);
    this.weights = checkWeights(params.weights, REGRESSOR_WEIGHTS);
    this.power = params.power === undefined ? 2 : checkNumber('power', params.power, 0, Infinity, { minExclusive: true });
    if (params.power !== undefined && this.weights !== 'shepard') throw new KnnkitError('power', `power: only used with weights "shepard"; got weights ${typeof this.weights === 'function' ? 'function' : JSON.stringify(this.weights)}`);
    this.aggregate = params.aggregate === undefined ? 'mean' : checkOneOf('aggregate', params.aggregate, ['mean', 'median'] as const);
    this.bandwidth = checkBandwidth(params.bandwidth);
    this.indexParams = checkIndexParams(params);
  }

  fit(X: MatrixInput, y: ArrayLike<number>): this {
    const Xm = toMatrix(X, { name: 'X', copy: true });
    const yy = checkTargets(y, Xm.rows);
    this.state = { index: new FittedIndex(Xm, this.indexParams, this.k), y: yy };
    return this;
  }

  predict(X: MatrixInput): Float64Array {
    const s = fitted(this.state, 'KNeighborsRegressor', 'predict');
    const nb = s.index.kneighbors(s.index.queries(X), this.k);
    return aggregateTargets(nb, s.y, { weights: this.weights, aggregate: this.aggregate, power: this.power, bandwidth: this.bandwidth });
  }

  kneighbors(X?: MatrixInput, k?: number): SearchResult {
    const s = fitted(this.state, 'KNeighborsRegressor', 'kneighbors');
    const kk = k === undefined ? this.k : checkK(k);
    return toSearchResult(X === undefined ? s.index.kneighborsOfTraining(kk) : s.index.kneighbors(s.index.queries(X), kk));
  }

  /** R^2 of the predictions on (X, y). */
  score(X: MatrixInput, y: ArrayLike<number>): number {
    const pred = this.predict(X);
    return r2(checkTargets(y, pred.length), pred);
  }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const s = fitted(this.state, 'KNeighborsRegressor', 'toJSON');
    if (typeof this.weights === 'function') throw new KnnkitError('weights', 'weights: a weight function cannot be serialised; use a named weighting to save the model');
    return {
      ...header('KNeighborsRegressor'),
      params: { k: this.k, weights: this.weights, power: this.weights === 'shepard' ? this.power : undefined, aggregate: this.aggregate, bandwidth: this.bandwidth, ...indexParamsToJSON(this.indexParams, s.index.metric) },
      data: { X: encodeMatrix(s.index.X, opts), y: opts.encoding === 'array' ? Array.from(s.y) : b64(s.y) },
    };
  }

  static fromJSON(json: unknown): KNeighborsRegressor {
    const o = checkHeader(json, 'KNeighborsRegressor');
    const data = o.data as Record<string, unknown>;
    const X = decodeMatrix(data.X);
    return new KNeighborsRegressor(o.params as KNeighborsRegressorParams).fit(X, decodeNumbers(data.y, X.rows));
  }
}
