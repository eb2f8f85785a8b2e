import type { MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { KnnkitError } from '../core/errors.js';
import type { SearchResult } from '../search/results.js';
import { FittedIndex, fitted, toSearchResult } from './base.js';
import { kneighborsOf, r2Score } from './estimator.js';
import type { IndexParams, RegressorWeights, ResolvedIndexParams } from './params.js';
import { REGRESSOR_WEIGHTS, checkBandwidth, checkIndexParams, checkK, checkPower, checkWeights } from './params.js';
import type { Aggregate } from './regression.js';
import { aggregateTargets, checkAggregate, checkTargets } from './regression.js';
import type { SerializeOptions } from './serialize.js';
import { checkSerializableWeights, decodeNumbers, modelJSON, readModelJSON } from './serialize.js';

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
    this.power = checkPower(params.power);
    if (params.power !== undefined && this.weights !== 'shepard') throw new KnnkitError('power', `power: only used with weights "shepard"; got weights ${typeof this.weights === 'function' ? 'function' : JSON.stringify(this.weights)}`);
    this.aggregate = checkAggregate(params.aggregate);
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
    return toSearchResult(kneighborsOf(s.index, X, k, this.k));
  }

  /** R^2 of the predictions on (X, y). */
  score(X: MatrixInput, y: ArrayLike<number>): number {
    return r2Score(this.predict(X), y);
  }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const s = fitted(this.state, 'KNeighborsRegressor', 'toJSON');
    checkSerializableWeights(this.weights);
    const params = { k: this.k, weights: this.weights, power: this.weights === 'shepard' ? this.power : undefined, aggregate: this.aggregate, bandwidth: this.bandwidth };
    return modelJSON('KNeighborsRegressor', s.index, params, opts, { y: s.y });
  }

  static fromJSON(json: unknown): KNeighborsRegressor {
    const { params, X, y } = readModelJSON(json, 'KNeighborsRegressor');
    return new KNeighborsRegressor(params as KNeighborsRegressorParams).fit(X, decodeNumbers(y, X.rows));
  }
}
