import type { Matrix } from '../core/data.js';

/** Column means and population variances in float64 (two-pass for dense; implicit zeros for CSR). */
export function columnMeanVar(X: Matrix): { mean: Float64Array; variance: Float64Array } {
  const { rows: n, cols: d } = X;
  const mean = new Float64Array(d), variance = new Float64Array(d);
  if (X.kind === 'dense') {
    const a = X.data;
    for (let i = 0; i < n; i++) { const o = i * d; for (let j = 0; j < d; j++) mean[j] += a[o + j]; }
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) { const t = a[o + j] - mean[j]; variance[j] += t * t; }
    }
    for (let j = 0; j < d; j++) variance[j] /= n;
  } else {
    const nnz = new Int32Array(d);
    for (let p = 0; p < X.indptr[n]; p++) { mean[X.indices[p]] += X.values[p]; nnz[X.indices[p]]++; }
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (let p = 0; p < X.indptr[n]; p++) { const t = X.values[p] - mean[X.indices[p]]; variance[X.indices[p]] += t * t; }
    // the implicit zeros contribute (0 - mean)^2 each
    for (let j = 0; j < d; j++) variance[j] = (variance[j] + (n - nnz[j]) * mean[j] * mean[j]) / n;
  }
  return { mean, variance };
}

export function columnMinMax(X: Matrix): { min: Float64Array; max: Float64Array } {
  const { rows: n, cols: d } = X;
  const min = new Float64Array(d).fill(Infinity), max = new Float64Array(d).fill(-Infinity);
  if (X.kind === 'dense') {
    const a = X.data;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) { const v = a[o + j]; if (v < min[j]) min[j] = v; if (v > max[j]) max[j] = v; }
    }
  } else {
    const nnz = new Int32Array(d);
    for (let p = 0; p < X.indptr[n]; p++) {
      const j = X.indices[p], v = X.values[p];
      nnz[j]++;
      if (v < min[j]) min[j] = v; if (v > max[j]) max[j] = v;
    }
    for (let j = 0; j < d; j++) if (nnz[j] < n) { if (0 < min[j]) min[j] = 0; if (0 > max[j]) max[j] = 0; }
  }
  return { min, max };
}
