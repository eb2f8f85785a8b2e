import type { MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { KnnkitError, checkOneOf } from '../core/errors.js';
import type { RadiusResult } from '../search/results.js';
import { FittedIndex, fitted, toRadiusResult } from './base.js';
import { emptyRows, listQueries, r2Score, radiusNeighborsOf } from './estimator.js';
import type { IndexParams, RegressorWeights, ResolvedIndexParams } from './params.js';
import { REGRESSOR_WEIGHTS, checkBandwidth, checkIndexParams, checkPower, checkRadius, checkWeights } from './params.js';
import type { Aggregate } from './regression.js';
import { aggregateTargets, checkAggregate, checkTargets } from './regression.js';
import type { SerializeOptions } from './serialize.js';
import { checkSerializableWeights, decodeNumbers, modelJSON, readModelJSON } from './serialize.js';

export type OutlierPolicy = 'nan' | 'error' | 'mean';

export interface RadiusNeighborsRegressorParams extends IndexParams {
  radius?: number;
  weights?: RegressorWeights;
  power?: number;
  aggregate?: Aggregate;
  bandwidth?: number;
  /**
   * Queries with no training point within the radius: 'nan' (default; scikit-learn predicts NaN
   * with a warning), 'error' (KnnkitError listing the query indices), 'mean' (the training mean).
   */
  outlierPolicy?: OutlierPolicy;
}

/** Average of the training targets within distance r (scikit-learn's RadiusNeighborsRegressor). */
export class RadiusNeighborsRegressor {
  readonly radius: number;
  readonly weights: RegressorWeights;
  readonly power: number;
  readonly aggregate: Aggregate;
  readonly bandwidth?: number;
  readonly outlierPolicy: OutlierPolicy;
  readonly indexParams: ResolvedIndexParams;
  private state?: { index: FittedIndex; y: Float64Array; mean: number };

  constructor(params: RadiusNeighborsRegressorParams = {}) {
    this.radius = params.radius === undefined ? 1 : checkRadius(params.radius);
    this.weights = checkWeights(params.weights, REGRESSOR_WEIGHTS);
    this.power = checkPower(params.power);
    this.aggregate = checkAggregate(params.aggregate);
    this.bandwidth = checkBandwidth(params.bandwidth);
    this.outlierPolicy = params.outlierPolicy === undefined ? 'nan' : checkOneOf('outlierPolicy', params.outlierPolicy, ['nan', 'error', 'mean'] as const);
    this.indexParams = checkIndexParams(params);
  }

  fit(X: MatrixInput, y: ArrayLike<number>): this {
    const Xm = toMatrix(X, { name: 'X', copy: true });
    const yy = checkTargets(y, Xm.rows);
    let mean = 0;
    for (let i = 0; i < yy.length; i++) mean += yy[i];
    this.state = { index: new FittedIndex(Xm, this.indexParams, undefined), y: yy, mean: mean / yy.length };
    return this;
  }

  predict(X: MatrixInput): Float64Array {
    const s = fitted(this.state, 'RadiusNeighborsRegressor', 'predict');
    const nb = s.index.radius(s.index.queries(X), this.radius);
    const outliers = emptyRows(nb);
    if (outliers.length && this.outlierPolicy === 'error') {
      throw new KnnkitError('outlierPolicy', `outlierPolicy: no training point within radius ${this.radius} of queries ${listQueries(outliers)}; use a larger radius or outlierPolicy "nan" / "mean"`);
    }
    const out = aggregateTargets(nb, s.y, { weights: this.weights, aggregate: this.aggregate, power: this.power, bandwidth: this.bandwidth ?? this.radius });
    if (this.outlierPolicy === 'mean') for (const q of outliers) out[q] = s.mean;
    return out;
  }

  radiusNeighbors(X?: MatrixInput, radius?: number): RadiusResult {
    const s = fitted(this.state, 'RadiusNeighborsRegressor', 'radiusNeighbors');
    return toRadiusResult(radiusNeighborsOf(s.index, X, radius, this.radius));
  }

  /** R^2 over the queries that have a prediction (NaN predictions are an error here). */
  score(X: MatrixInput, y: ArrayLike<number>): number {
    const pred = this.predict(X);
    const bad = pred.findIndex((v) => Number.isNaN(v));
    if (bad >= 0) throw new KnnkitError('X', `X: query ${bad} has no neighbour within radius ${this.radius}, so R^2 is undefined; use outlierPolicy "mean" or a larger radius`);
    return r2Score(pred, y);
  }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const s = fitted(this.state, 'RadiusNeighborsRegressor', 'toJSON');
    checkSerializableWeights(this.weights);
    const params = { radius: this.radius, weights: this.weights, power: this.power, aggregate: this.aggregate, bandwidth: this.bandwidth, outlierPolicy: this.outlierPolicy };
    return modelJSON('RadiusNeighborsRegressor', s.index, params, opts, { y: s.y });
  }

  static fromJSON(json: unknown): RadiusNeighborsRegressor {
    const { params, X, y } = readModelJSON(json, 'RadiusNeighborsRegressor');
    return new RadiusNeighborsRegressor(params as RadiusNeighborsRegressorParams).fit(X, decodeNumbers(y, X.rows));
  }
}
