import type { Metric } from './types.js';
import { KnnkitError } from '../core/errors.js';

/**
 * Mahalanobis distance sqrt((a - b)^T VI (a - b)) with VI the inverse covariance matrix
 * (row-major d x d). VI is given, or V (the covariance) is given and inverted, or the
 * covariance is fitted from the training data (unbiased, as numpy.cov) and inverted.
 */
export function mahalanobis(VI: Float64Array, d: number): Metric {
  if (VI.length !== d * d) throw new KnnkitError('VI', `VI: ${VI.length} values; expected a ${d} x ${d} matrix (${d * d} values)`);
  const diff = new Float64Array(d);
  const reduced = (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, dd: number): number => {
    if (dd !== d) throw new KnnkitError('X', `X: dimension mismatch: ${dd} columns but the Mahalanobis matrix is ${d} x ${d}`);
    for (let i = 0; i < d; i++) diff[i] = a[ao + i] - b[bo + i];
    let s = 0;
    for (let i = 0; i < d; i++) {
      let t = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) t += VI[row + j] * diff[j];
      s += diff[i] * t;
    }
    return s > 0 ? s : 0;
  };
  return {
    name: 'mahalanobis',
    params: { VI: Array.from(VI) },
    distance: (a, ao, b, bo, dd) => Math.sqrt(reduced(a, ao, b, bo, dd)),
    reduced,
    reducedToDistance: Math.sqrt,
    distanceToReduced: (x) => x * x,
    isTrueMetric: true,
  };
}

/** Unbiased covariance of the rows of X (n x d, row-major). */
export function covariance(X: Float32Array, n: number, d: number): Float64Array {
  if (n < 2) throw new KnnkitError('X', `X: ${n} rows; fitting a Mahalanobis covariance needs at least 2 rows`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const C = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c[j] = X[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ca = c[a];
      if (ca === 0) continue;
      for (let b = a; b < d; b++) C[a * d + b] += ca * c[b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) { C[a * d + b] /= n - 1; C[b * d + a] = C[a * d + b]; }
  return C;
}

/** Inverse of a symmetric positive-definite matrix by Gauss-Jordan with partial pivoting. */
export function invert(M: Float64Array, d: number, name = 'V'): Float64Array {
  const A = Float64Array.from(M);
  const I = new Float64Array(d * d);
  for (let i = 0; i < d; i++) I[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale = Math.max(scale, Math.abs(A[i]));
  for (let col = 0; col < d; col++) {
    let piv = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(A[r * d + col]) > Math.abs(A[piv * d + col])) piv = r;
    if (Math.abs(A[piv * d + col]) <= 1e-12 * Math.max(scale, 1e-300)) {
      throw new KnnkitError(name, `${name}: the covariance matrix is singular (a feature is constant or a linear combination of others); pass VI explicitly or remove those features`);
    }
    if (piv !== col) for (let j = 0; j < d; j++) {
      let t = A[col * d + j]; A[col * d + j] = A[piv * d + j]; A[piv * d + j] = t;
      t = I[col * d + j]; I[col * d + j] = I[piv * d + j]; I[piv * d + j] = t;
    }
    const p = A[col * d + col];
    for (let j = 0; j < d; j++) { A[col * d + j] /= p; I[col * d + j] /= p; }
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = A[r * d + col];
      if (f === 0) continue;
      for (let j = 0; j < d; j++) { A[r * d + j] -= f * A[col * d + j]; I[r * d + j] -= f * I[col * d + j]; }
    }
  }
  return I;
}
