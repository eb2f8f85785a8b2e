import { KnnkitError } from '../core/errors.js';

/** Regression metrics, computed in float64 like scikit-learn's. */

function checkPair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue == null || typeof yTrue.length !== 'number') throw new KnnkitError('yTrue', 'yTrue: expected an array of numbers');
  if (yPred == null || typeof yPred.length !== 'number') throw new KnnkitError('yPred', 'yPred: expected an array of numbers');
  if (yTrue.length !== yPred.length) {
    throw new KnnkitError('yPred', `yPred: ${yPred.length} predictions for ${yTrue.length} targets; expected the same length`);
  }
  if (yTrue.length === 0) throw new KnnkitError('yTrue', 'yTrue: empty; expected at least one value');
  for (const [name, y] of [['yTrue', yTrue], ['yPred', yPred]] as const) {
    for (let i = 0; i < y.length; i++) {
      if (typeof y[i] !== 'number' || !Number.isFinite(y[i])) {
        throw new KnnkitError(name, `${name}: value ${String(y[i])} at position ${i}; expected finite numbers`);
      }
    }
  }
}

export function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) { const e = yTrue[i] - yPred[i]; s += e * e; }
  return s / yTrue.length;
}

export function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i] - yPred[i]);
  return s / yTrue.length;
}

/**
 * Coefficient of determination R^2 = 1 - SS_res / SS_tot. For a constant target (SS_tot = 0)
 * it is 1 when the predictions are perfect and 0 otherwise (scikit-learn's `force_finite`).
 */
export function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred);
  return rSquared(yTrue, yPred);
}

/**
 * R^2 without the input checks, for callers that validated both arrays themselves (the
 * regressors' score(), whose predictions may be NaN for a query without neighbours: then NaN).
 */
export function rSquared(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = yTrue.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i];
  mean /= n;
  let ssRes = 0, ssTot = 0;
  for (let i = 0; i < n; i++) {
    const r = yTrue[i] - yPred[i]; ssRes += r * r;
    const t = yTrue[i] - mean; ssTot += t * t;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** MSE, MAE and R^2 together (what `knnkit evaluate --task regression` reports). */
export function regressionScores(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): { mse: number; mae: number; r2: number } {
  return { mse: meanSquaredError(yTrue, yPred), mae: meanAbsoluteError(yTrue, yPred), r2: r2Score(yTrue, yPred) };
}
