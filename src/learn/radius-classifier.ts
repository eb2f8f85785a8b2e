import type { MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { KnnkitError, describeValue } from '../core/errors.js';
import type { Label } from '../core/labels.js';
import type { RadiusResult } from '../search/results.js';
import { FittedIndex, fitted, toRadiusResult } from './base.js';
import type { ClassWeight } from './class-weight.js';
import { checkClassWeight, classWeightVector } from './class-weight.js';
import type { ClassTargets } from './estimator.js';
import { emptyRows, encodeClassTargets, listQueries, meanAccuracy, radiusNeighborsOf } from './estimator.js';
import type { ClassifierWeights, IndexParams, ResolvedIndexParams } from './params.js';
import { CLASSIFIER_WEIGHTS, checkBandwidth, checkIndexParams, checkRadius, checkWeights } from './params.js';
import type { SerializeOptions } from './serialize.js';
import { checkClasses, checkSerializableWeights, decodeLabels, modelJSON, readModelJSON } from './serialize.js';
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

interface ClfState extends ClassTargets { index: FittedIndex; classWeight?: Float64Array; outlier?: Label }

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
    const targets = encodeClassTargets(y, Xm.rows);
    const { enc, y: yIds } = targets;
    let outlier: Label | undefined = this.outlierLabel;
    if (outlier === 'most_frequent') {
      const counts = new Int32Array(enc.size);
      for (let i = 0; i < yIds.length; i++) counts[yIds[i]]++;
      let best = 0;
      for (let c = 1; c < counts.length; c++) if (counts[c] > counts[best]) best = c;
      outlier = enc.classes[best];
    }
    this.state = { ...targets, index: new FittedIndex(Xm, this.indexParams, undefined), classWeight: classWeightVector(this.classWeight, enc.classes, yIds), outlier };
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
    return toRadiusResult(radiusNeighborsOf(s.index, X, radius, this.radius));
  }

  score(X: MatrixInput, y: ArrayLike<Label>): number {
    return meanAccuracy(this.predict(X), y);
  }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const s = fitted(this.state, 'RadiusNeighborsClassifier', 'toJSON');
    checkSerializableWeights(this.weights);
    const params = { radius: this.radius, weights: this.weights, bandwidth: this.bandwidth, classWeight: this.classWeight, outlierLabel: this.outlierLabel };
    return modelJSON('RadiusNeighborsClassifier', s.index, params, opts, { classes: s.enc.classes, y: s.labels });
  }

  static fromJSON(json: unknown): RadiusNeighborsClassifier {
    const { params, classes, X, y } = readModelJSON(json, 'RadiusNeighborsClassifier');
    const model = new RadiusNeighborsClassifier(params as RadiusNeighborsClassifierParams).fit(X, decodeLabels(y, X.rows));
    checkClasses(classes, model.classes);
    return model;
  }

  private vote(s: ClfState, X: MatrixInput) {
    const nb = s.index.radius(s.index.queries(X), this.radius);
    const outliers = emptyRows(nb);
    if (outliers.length && s.outlier === undefined) {
      throw new KnnkitError('outlierLabel', `outlierLabel: no training point within radius ${this.radius} of queries ${listQueries(outliers)}; use a larger radius, set outlierLabel (a label or "most_frequent"), or remove these queries`);
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
