import type { MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { KnnkitError, checkNumber, checkOneOf, describeValue } from '../core/errors.js';
import type { Label } from '../core/labels.js';
import { LabelEncoder, checkLabels } from '../core/labels.js';
import type { RadiusResult } from '../search/results.js';
import type { Neighborhoods } from './base.js';
import { FittedIndex, fitted, toRadiusResult } from './base.js';
import type { ClassWeight } from './class-weight.js';
import { checkClassWeight, classWeightVector } from './class-weight.js';
import { checkClasses } from './knn-classifier.js';
import type { ClassifierWeights, IndexParams, RegressorWeights, ResolvedIndexParams } from './params.js';
import { CLASSIFIER_WEIGHTS, REGRESSOR_WEIGHTS, checkBandwidth, checkIndexParams, checkRadius, checkWeights } from './params.js';
import type { Aggregate } from './regression.js';
import { aggregateTargets, checkTargets, r2 } from './regression.js';
import type { SerializeOptions } from './serialize.js';
import { b64, checkHeader, decodeLabels, decodeMatrix, decodeNumbers, encodeMatrix, header, indexParamsToJSON } from './serialize.js';
import { classVotes } from './voting.js';

export interface RadiusNeighborsClassifierParams extends IndexParams {
  /** Neighbourhood radius r (inclusive: d <= r); default 1.0 as scikit-learn. */
  radius?: number;
  weights?: ClassifierWeights;
  /** Kernel bandwidth; default: the radius. */
  bandwidth?: number;
  classWeight?: ClassWeight;
  /**
   * Label for queries with no training point within the radius: a label (returned as is, also
   * when it is not a training class), 'most_frequent' (the most frequent training class, lowest
   * on ties), or undefined: predicting such a query is an error listing the query indices, as
   * scikit-learn.
   */
  outlierLabel?: Label | 'most_frequent';
}

interface ClfState { index: FittedIndex; enc: LabelEncoder; y: Int32Array; labels: Label[]; classWeight?: Float64Array; outlier?: Label }

/**
 * Vote among all training points within distance r (scikit-learn's RadiusNeighborsClassifier).
 * predictProba: for an outlier query, 1 in the outlier label's column when that label is a
 * class, else an all-zero row (as scikit-learn); predict returns the outlier label.
 */
export class RadiusNeighborsClassifier {
  readonly radius: number;
  readonly weights: ClassifierWeights;
  readonly bandwidth?: number;
  readonly classWeight?: ClassWeight;
  readonly outlierLabel?: Label | 'most_frequent';
  readonly indexParams: ResolvedIndexParams;
  private state?: ClfState;

  constructor(params: RadiusNeighborsClassifierParams = {}) {
    this.radius = params.radius === undefined ? 1 : checkRadius(params.radius);
    this.weights = checkWeights(params.weights, CLASSIFIER_WEIGHTS);
    this.bandwidth = checkBandwidth(params.bandwidth);
    this.classWeight = checkClassWeight(params.classWeight);
    const ol = params.outlierLabel;
    if (ol !== undefined && !(typeof ol === 'string' || (typeof ol === 'number' && Number.isFinite(ol)))) {
      throw new KnnkitError('outlierLabel', `outlierLabel: got ${describeValue(ol)}; expected a label (string or finite number), "most_frequent" or undefined`);
    }
    this.outlierLabel = ol;
    this.indexParams = checkIndexParams(params);
  }

  fit(X: MatrixInput, y: ArrayLike<Label>): this {
    const Xm = toMatrix(X, { name: 'X', copy: true });
    const labels = checkLabels(y, Xm.rows, 'y');
    const enc = LabelEncoder.fit(labels, 'y');
    const yIds = enc.encode(labels, 'y');
    let outlier: Label | undefined = this.outlierLabel;
    if (outlier === 'most_frequent') {
      const counts = new Int32Array(enc.size);
      for (let i = 0; i < yIds.length; i++) counts[yIds[i]]++;
      let best = 0;
      for (let c = 1; c < counts.length; c++) if (counts[c] > counts[best]) best = c;
      outlier = enc.classes[best];
    }
    this.state = { index: new FittedIndex(Xm, this.indexParams, undefined), enc, y: yIds, labels, classWeight: classWeightVector(this.classWeight, enc.classes, yIds), outlier };
    return this;
  }

  get classes(): Label[] { return fitted(this.state, 'RadiusNeighborsClassifier', 'classes').enc.classes.slice(); }

  predict(X: MatrixInput): Label[] {
    const s = fitted(this.state, 'RadiusNeighborsClassifier', 'predict');
    const { pred, outliers } = this.vote(s, X);
    const out = s.enc.decode(pred.map((p) => (p < 0 ? 0 : p)));
    for (const q of outliers) out[q] = s.outlier as Label;
    return out;
  }

  predictProba(X: MatrixInput): Float64Array {
    const s = fitted(this.state, 'RadiusNeighborsClassifier', 'predictProba');
    const { proba, outliers } = this.vote(s, X);
    if (outliers.length && s.enc.has(s.outlier as Label)) {
      const col = s.enc.encode([s.outlier as Label])[0], C = s.enc.size;
      for (const q of outliers) proba[q * C + col] = 1;
    }
    return proba;
  }

  /** Training points within `radius` (default: the fitted radius) of each query, nearest first. */
  radiusNeighbors(X?: MatrixInput, radius?: number): RadiusResult {
    const s = fitted(this.state, 'RadiusNeighborsClassifier', 'radiusNeighbors');
    const r = radius === undefined ? this.radius : checkRadius(radius);
    return toRadiusResult(X === undefined ? s.index.radius(s.index.X, r, true) : s.index.radius(s.index.queries(X), r));
  }

  score(X: MatrixInput, y: ArrayLike<Label>): number {
    const pred = this.predict(X);
    const truth = checkLabels(y, pred.length, 'y');
    let ok = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) ok++;
    return ok / pred.length;
  }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const s = fitted(this.state, 'RadiusNeighborsClassifier', 'toJSON');
    if (typeof this.weights === 'function') throw new KnnkitError('weights', 'weights: a weight function cannot be serialised; use a named weighting to save the model');
    return {
      ...header('RadiusNeighborsClassifier'),
      params: { radius: this.radius, weights: this.weights, bandwidth: this.bandwidth, classWeight: this.classWeight, outlierLabel: this.outlierLabel, ...indexParamsToJSON(this.indexParams, s.index.metric) },
      classes: s.enc.classes,
      data: { X: encodeMatrix(s.index.X, opts), y: s.labels },
    };
  }

  static fromJSON(json: unknown): RadiusNeighborsClassifier {
    const o = checkHeader(json, 'RadiusNeighborsClassifier');
    const data = o.data as Record<string, unknown>;
    const X = decodeMatrix(data.X);
    const model = new RadiusNeighborsClassifier(o.params as RadiusNeighborsClassifierParams).fit(X, decodeLabels(data.y, X.rows));
    checkClasses(o.classes, model.classes);
    return model;
  }

  private vote(s: ClfState, X: MatrixInput) {
    const nb = s.index.radius(s.index.queries(X), this.radius);
    const outliers = emptyRows(nb);
    if (outliers.length && s.outlier === undefined) {
      throw new KnnkitError('outlierLabel', `outlierLabel: no training point within radius ${this.radius} of queries [${outliers.slice(0, 20).join(', ')}${outliers.length > 20 ? `, ... (${outliers.length} in all)` : ''}]; use a larger radius, set outlierLabel (a label or "most_frequent"), or remove these queries`);
    }
    const v = classVotes(nb, s.y, { weights: this.weights, bandwidth: this.bandwidth ?? this.radius, nClasses: s.enc.size, classWeight: s.classWeight });
    // predict = argmax of the probabilities (scikit-learn's radius classifier), lowest class on ties
    const C = s.enc.size;
    for (let q = 0; q < nb.nQueries; q++) {
      if (v.pred[q] < 0) continue;
      let best = 0;
      for (let c = 1; c < C; c++) if (v.proba[q * C + c] > v.proba[q * C + best]) best = c;
      v.pred[q] = best;
    }
    return { ...v, outliers };
  }
}

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
    this.power = params.power === undefined ? 2 : checkNumber('power', params.power, 0, Infinity, { minExclusive: true });
    this.aggregate = params.aggregate === undefined ? 'mean' : checkOneOf('aggregate', params.aggregate, ['mean', 'median'] as const);
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
      throw new KnnkitError('outlierPolicy', `outlierPolicy: no training point within radius ${this.radius} of queries [${outliers.slice(0, 20).join(', ')}${outliers.length > 20 ? `, ... (${outliers.length} in all)` : ''}]; use a larger radius or outlierPolicy "nan" / "mean"`);
    }
    const out = aggregateTargets(nb, s.y, { weights: this.weights, aggregate: this.aggregate, power: this.power, bandwidth: this.bandwidth ?? this.radius });
    if (this.outlierPolicy === 'mean') for (const q of outliers) out[q] = s.mean;
    return out;
  }

  radiusNeighbors(X?: MatrixInput, radius?: number): RadiusResult {
    const s = fitted(this.state, 'RadiusNeighborsRegressor', 'radiusNeighbors');
    const r = radius === undefined ? this.radius : checkRadius(radius);
    return toRadiusResult(X === undefined ? s.index.radius(s.index.X, r, true) : s.index.radius(s.index.queries(X), r));
  }

  /** R^2 over the queries that have a prediction (NaN predictions are an error here). */
  score(X: MatrixInput, y: ArrayLike<number>): number {
    const pred = this.predict(X);
    const bad = pred.findIndex((v) => Number.isNaN(v));
    if (bad >= 0) throw new KnnkitError('X', `X: query ${bad} has no neighbour within radius ${this.radius}, so R^2 is undefined; use outlierPolicy "mean" or a larger radius`);
    return r2(checkTargets(y, pred.length), pred);
  }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const s = fitted(this.state, 'RadiusNeighborsRegressor', 'toJSON');
    if (typeof this.weights === 'function') throw new KnnkitError('weights', 'weights: a weight function cannot be serialised; use a named weighting to save the model');
    return {
      ...header('RadiusNeighborsRegressor'),
      params: { radius: this.radius, weights: this.weights, power: this.power, aggregate: this.aggregate, bandwidth: this.bandwidth, outlierPolicy: this.outlierPolicy, ...indexParamsToJSON(this.indexParams, s.index.metric) },
      data: { X: encodeMatrix(s.index.X, opts), y: opts.encoding === 'array' ? Array.from(s.y) : b64(s.y) },
    };
  }

  static fromJSON(json: unknown): RadiusNeighborsRegressor {
    const o = checkHeader(json, 'RadiusNeighborsRegressor');
    const data = o.data as Record<string, unknown>;
    const X = decodeMatrix(data.X);
    return new RadiusNeighborsRegressor(o.params as RadiusNeighborsRegressorParams).fit(X, decodeNumbers(data.y, X.rows));
  }
}

function emptyRows(nb: Neighborhoods): number[] {
  const out: number[] = [];
  for (let q = 0; q < nb.nQueries; q++) if (nb.offsets[q + 1] === nb.offsets[q]) out.push(q);
  return out;
}
