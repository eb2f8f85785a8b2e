import type { Matrix } from '../core/data.js';
import type { Label } from '../core/labels.js';
import type { Fold } from './folds.js';

/**
 * What model selection needs from a model: scikit-learn's estimator protocol in camelCase.
 * KNeighborsClassifier/Regressor, Pipeline and GridSearchCV all satisfy it. Classifiers take and
 * return labels; regressors take numbers and return a Float64Array.
 */
export interface Estimator {
  fit(X: Matrix, y: ArrayLike<Label>): unknown;
  predict(X: Matrix): ArrayLike<Label>;
  predictProba?(X: Matrix): Float64Array;
  score?(X: Matrix, y: ArrayLike<Label>): number;
  toJSON?(): unknown;
  /** Fitted classes (classifiers), column order of predictProba. */
  readonly classes?: Label[];
}

export type Task = 'classification' | 'regression';
export const TASKS: readonly Task[] = ['classification', 'regression'];

/** How cross-validation and grid search split the data (the options they share). */
export interface SplitOptions {
  /** Number of folds (default 5), or precomputed folds. */
  folds?: number | readonly Fold[];
  seed?: number;
  /** Shuffle before assigning folds (default true). */
  shuffle?: boolean;
  /** classification (default): stratified folds; regression: plain k-fold. */
  task?: Task;
}
