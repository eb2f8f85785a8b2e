import type { Matrix } from '../core/data.js';
import { Rng } from '../core/rng.js';
import { medianOfSquared } from './density.js';

/**
 * Paper's Eq. 2: the composite kernel A = gw * G + lw * C, G = exp(-D2 / (2 sigma^2)),
 * C[i][k] = 1 for the same class, `discount` otherwise. Converts D2 (n x n, Float32) in place.
 */
export function compositeKernelInPlace(D2: Float32Array, n: number, sigma: number, yIds: Int32Array, gw: number, lw: number, discount: number): void {
  const inv = 1 / (2 * sigma * sigma);
  const same = gw, diff = lw * discount, sameL = lw;
  for (let i = 0; i < n; i++) {
    const o = i * n, yi = yIds[i];
    for (let k = 0; k < n; k++) D2[o + k] = same * Math.exp(-D2[o + k] * inv) + (yIds[k] === yi ? sameL : diff);
  }
}

/**
 * Rows [r0, r1) of H = A^T A = A A (A symmetric), upper part k >= i only, mirrored. Disjoint
 * row ranges write disjoint entries, so workers may fill one shared H concurrently.
 */
export function symmetricGramRows(A: Float32Array, n: number, r0: number, r1: number, H: Float32Array): void {
  let i = r0;
  for (; i + 1 < r1; i += 2) {
    const oi = i * n, oi2 = oi + n;
    let k = i;
    for (; k + 1 < n; k += 2) {
      const ok = k * n, ok2 = ok + n;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let t = 0; t < n; t++) {
        const x0 = A[oi + t], x1 = A[oi2 + t], y0 = A[ok + t], y1 = A[ok2 + t];
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      H[oi + k] = s00; H[ok + i] = s00;
      H[oi + k + 1] = s01; H[ok2 + i] = s01;
      H[oi2 + k] = s10; H[ok + i + 1] = s10;
      H[oi2 + k + 1] = s11; H[ok2 + i + 1] = s11;
    }
    for (; k < n; k++) {
      const ok = k * n;
      let s0 = 0, s1 = 0;
      for (let t = 0; t < n; t++) { const y = A[ok + t]; s0 += A[oi + t] * y; s1 += A[oi2 + t] * y; }
      H[oi + k] = s0; H[ok + i] = s0; H[oi2 + k] = s1; H[ok + i + 1] = s1;
    }
  }
  for (; i < r1; i++) {
    const oi = i * n;
    for (let k = i; k < n; k++) {
      const ok = k * n;
      let s = 0;
      for (let t = 0; t < n; t++) s += A[oi + t] * A[ok + t];
      H[oi + k] = s; H[ok + i] = s;
    }
  }
}

/** Beyond this many pairs the median-distance sigma is estimated from a seeded sample. */
export const EXACT_MEDIAN_PAIRS = 1 << 24;
export const SAMPLED_PAIRS = 1 << 22;

/**
 * sigma without the n x n matrix (candidates mode): exact over all i < j pairs when there are
 * at most 2^24 of them, else the median of 2^22 seeded random pairs (a documented estimate).
 */
export function medianDistanceStreaming(X: Matrix, norms: Float64Array, seed: number): number {
  const n = X.rows;
  const pairs = (n * (n - 1)) / 2;
  if (pairs === 0) return 1;
  const exact = pairs <= EXACT_MEDIAN_PAIRS;
  const m = exact ? pairs : SAMPLED_PAIRS;
  const v = new Float64Array(m);
  const rowBuf = X.kind === 'csr' ? new Float32Array(X.cols) : null;
  const d2 = (i: number, k: number): number => {
    let s = 0;
    if (X.kind === 'dense') {
      const d = X.cols, a = X.data, oi = i * d, ok = k * d;
      for (let t = 0; t < d; t++) s += a[oi + t] * a[ok + t];
    } else {
      for (let p = X.indptr[k]; p < X.indptr[k + 1]; p++) s += rowBuf![X.indices[p]] * X.values[p];
    }
    const r = norms[i] + norms[k] - 2 * s;
    return r > 0 ? r : 0;
  };
  const scatter = (i: number, val: number) => {
    if (X.kind !== 'csr') return;
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) rowBuf![X.indices[p]] = val === 0 ? 0 : X.values[p];
  };
  if (exact) {
    let q = 0;
    for (let i = 0; i < n; i++) {
      scatter(i, 1);
      for (let k = i + 1; k < n; k++) v[q++] = d2(i, k);
      scatter(i, 0);
    }
  } else {
    const rng = new Rng(seed ^ 0x5eed);
    for (let q = 0; q < m; q++) {
      const i = rng.int(n);
      let k = rng.int(n - 1);
      if (k >= i) k++;
      scatter(i, 1);
      v[q] = d2(i, k);
      scatter(i, 0);
    }
  }
  return medianOfSquared(v);
}
