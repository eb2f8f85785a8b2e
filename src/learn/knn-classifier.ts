import type { MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import type { Label } from '../core/labels.js';
import type { SearchResult } from '../search/results.js';
import type { Neighborhoods } from './base.js';
import { FittedIndex, fitted, toSearchResult } from './base.js';
import type { ClassWeight } from './class-weight.js';
import { checkClassWeight, classWeightVector } from './class-weight.js';
import type { ClassTargets } from './estimator.js';
import { encodeClassTargets, kneighborsOf, meanAccuracy } from './estimator.js';
import type { ClassifierWeights, IndexParams, ResolvedIndexParams } from './params.js';
import { CLASSIFIER_WEIGHTS, checkBandwidth, checkIndexParams, checkK, checkWeights } from './params.js';
import type { SerializeOptions } from './serialize.js';
import { checkClasses, checkSerializableWeights, decodeLabels, modelJSON, readModelJSON } from './serialize.js';
import { classVotes } from './voting.js';

export interface KNeighborsClassifierParams extends IndexParams {
  /** Number of neighbours (default 5). Larger than the training set: clamped to its size. */
  k?: number;
  weights?: ClassifierWeights;
  /** Kernel bandwidth h; default: the distance to the k-th neighbour of each query. */
  bandwidth?: number;
  classWeight?: ClassWeight;
}

interface State extends ClassTargets {
  index: FittedIndex;
  classWeight?: Float64Array;
}

/**
 * k-nearest-neighbours vote (Fix & Hodges 1951; Cover & Hart 1967), scikit-learn's
 * KNeighborsClassifier in camelCase.
 *
 * Agreement with scikit-learn: same classes order (LabelEncoder), same probabilities (votes
 * accumulated nearest first, normalised), same predictions. Ties in the vote go to the lowest
 * class in sorted class order. Ties in *distance* at the k-th neighbour are broken by the lower
 * training index (knnkit's engine contract); scikit-learn's heap may keep a different one of the
 * equidistant points, so on such queries the two can legitimately differ (see
 * test/learn/sklearn-agreement.test.ts for the counts).
 *
 * Weights, kernels and the exact-match rule: see weights.ts. `classWeight` multiplies each
 * neighbour's vote by its class's weight ('balanced' = n / (C * count_c)).
 */
export class KNeighborsClassifier {
  readonly k: number;
  readonly weights: ClassifierWeights;
  readonly bandwidth?: number;
  readonly classWeight?: ClassWeight;
  readonly indexParams: ResolvedIndexParams;
  private state?: State;

  constructor(params: KNeighborsClassifierParams = {}) {
    this.k = params.k === undefined ? 5 : checkK(params.k);
    this.weights = checkWeights(params.weights, CLASSIFIER_WEIGHTS);
    this.bandwidth = checkBandwidth(params.bandwidth);
    this.classWeight = checkClassWeight(params.classWeight);
    this.indexParams = checkIndexParams(params);
  }

  fit(X: MatrixInput, y: ArrayLike<Label>): this {
    const Xm = toMatrix(X, { name: 'X', copy: true });
    const targets = encodeClassTargets(y, Xm.rows);
    const classWeight = classWeightVector(this.classWeight, targets.enc.classes, targets.y);
    this.state = { ...targets, index: new FittedIndex(Xm, this.indexParams, this.k), classWeight };
    return this;
  }

  /** Class labels in sorted order (columns of predictProba). */
  get classes(): Label[] { return fitted(this.state, 'KNeighborsClassifier', 'classes').enc.classes.slice(); }

  /** The engine kind chosen at fit ("brute", "kd-tree", ...). */
  get algorithmUsed(): string { return fitted(this.state, 'KNeighborsClassifier', 'algorithmUsed').index.algorithm; }

  predict(X: MatrixInput): Label[] {
    const s = fitted(this.state, 'KNeighborsClassifier', 'predict');
    return s.enc.decode(this.vote(s, X).pred);
  }

  /** n x classes.length row-major; rows sum to 1. */
  predictProba(X: MatrixInput): Float64Array {
    const s = fitted(this.state, 'KNeighborsClassifier', 'predictProba');
    return this.vote(s, X).proba;
  }

  /** Neighbours of X (or of every training point, excluding itself, when X is omitted). */
  kneighbors(X?: MatrixInput, k?: number): SearchResult {
    const s = fitted(this.state, 'KNeighborsClassifier', 'kneighbors');
    return toSearchResult(kneighborsOf(s.index, X, k, this.k));
  }

  /** Mean accuracy on (X, y). */
  score(X: MatrixInput, y: ArrayLike<Label>): number {
    return meanAccuracy(this.predict(X), y);
  }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const s = fitted(this.state, 'KNeighborsClassifier', 'toJSON');
    checkSerializableWeights(this.weights);
    const params = { k: this.k, weights: this.weights, bandwidth: this.bandwidth, classWeight: this.classWeight };
    return modelJSON('KNeighborsClassifier', s.index, params, opts, { classes: s.enc.classes, y: s.labels });
  }

  static fromJSON(json: unknown): KNeighborsClassifier {
    const { params, classes, X, y } = readModelJSON(json, 'KNeighborsClassifier');
    const model = new KNeighborsClassifier(params as KNeighborsClassifierParams).fit(X, decodeLabels(y, X.rows));
    checkClasses(classes, model.classes);
    return model;
  }

  private vote(s: State, X: MatrixInput) {
    const nb: Neighborhoods = s.index.kneighbors(s.index.queries(X), this.k);
    return classVotes(nb, s.y, { weights: this.weights, bandwidth: this.bandwidth, nClasses: s.enc.size, classWeight: s.classWeight });
  }
}
