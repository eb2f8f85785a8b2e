import type { MatrixInput } from '../core/data.js';
import type { Label } from '../core/labels.js';
import { LabelEncoder, checkLabels } from '../core/labels.js';
import type { FittedIndex, Neighborhoods } from './base.js';
import { checkK, checkRadius } from './params.js';
import { rSquared } from '../evaluation/regression.js';
import { checkTargets } from './regression.js';

/**
 * Plumbing shared by the k-NN and radius estimators (classifiers and regressors): what their
 * fit, score and neighbour verbs do identically. What differs between them (the vote, the
 * aggregation, the outlier rules) stays in their own files.
 */

/** The targets of a classifier's fit: checked, their sorted classes, and each one's class id. */
export interface ClassTargets {
  /** The labels as given (kept to be saved by toJSON). */
  labels: Label[];
  enc: LabelEncoder;
  /** Class id of each training point (index into enc.classes). */
  y: Int32Array;
}

export function encodeClassTargets(y: ArrayLike<Label>, n: number): ClassTargets {
  const labels = checkLabels(y, n, 'y');
  const enc = LabelEncoder.fit(labels, 'y');
  return { labels, enc, y: enc.encode(labels, 'y') };
}

/** Mean accuracy of predictions against y (scikit-learn's ClassifierMixin.score). */
export function meanAccuracy(pred: Label[], y: ArrayLike<Label>): number {
  const truth = checkLabels(y, pred.length, 'y');
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) ok++;
  return ok / pred.length;
}

/** R^2 of predictions against y (scikit-learn's RegressorMixin.score). */
export function r2Score(pred: Float64Array, y: ArrayLike<number>): number {
  return rSquared(checkTargets(y, pred.length), pred);
}

/**
 * The `kneighbors(X?, k?)` verb: k defaults to the estimator's; with X omitted every training
 * point is queried without itself (scikit-learn's convention).
 */
export function kneighborsOf(index: FittedIndex, X: MatrixInput | undefined, k: number | undefined, defaultK: number): Neighborhoods {
  const kk = k === undefined ? defaultK : checkK(k);
  return X === undefined ? index.kneighborsOfTraining(kk) : index.kneighbors(index.queries(X), kk);
}

/** The `radiusNeighbors(X?, radius?)` verb, with the same conventions. */
export function radiusNeighborsOf(index: FittedIndex, X: MatrixInput | undefined, radius: number | undefined, defaultRadius: number): Neighborhoods {
  const r = radius === undefined ? defaultRadius : checkRadius(radius);
  return X === undefined ? index.radius(index.X, r, true) : index.radius(index.queries(X), r);
}

/** Queries with no neighbour (radius estimators: nothing within the radius). */
export function emptyRows(nb: Neighborhoods): number[] {
  const out: number[] = [];
  for (let q = 0; q < nb.nQueries; q++) if (nb.offsets[q + 1] === nb.offsets[q]) out.push(q);
  return out;
}

/** "[0, 4, 7]" for an error message, the first 20 and the count when there are more. */
export function listQueries(queries: number[]): string {
  return `[${queries.slice(0, 20).join(', ')}${queries.length > 20 ? `, ... (${queries.length} in all)` : ''}]`;
}
