import type { Matrix } from '../core/data.js';
import { csrRowSquaredNorms } from '../core/sparse.js';
import { TopK } from '../core/topk.js';

/**
 * Blockwise squared Euclidean distances for the kNN-Graph training step (reference document,
 * step 1: D2). Dense data: dot products GEMM-style from the row norms,
 * D2[i][k] = |x_i|^2 + |x_k|^2 - 2 <x_i, x_k>, clamped at 0. CSR data: one block of at most
 * `BLOCK` rows is scattered into a dense, transposed buffer and every CSR row is multiplied
 * against it, so that nothing larger than one block is ever densified (news20: 3970 x 8014).
 */
export const BLOCK = 64;

export function rowSquaredNorms(X: Matrix): Float64Array {
  if (X.kind === 'csr') return csrRowSquaredNorms(X);
  const n = X.rows, d = X.cols, a = X.data;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = i * d, e = t + d; t < e; t++) s += a[t] * a[t];
    out[i] = s;
  }
  return out;
}

/**
 * Computes D2 for rows [i0, i1) against rows [k0, k1) into out ((i1 - i0) x (k1 - k0),
 * row-major). `scratch` must hold BLOCK * cols floats for CSR input.
 */
export function distanceBlock(
  X: Matrix, norms: Float64Array, i0: number, i1: number, k0: number, k1: number,
  out: Float64Array, scratch?: Float32Array,
): void {
  const w = k1 - k0;
  if (X.kind === 'dense') {
    const d = X.cols, a = X.data;
    let i = i0;
    // 2 x 2 register block: four dot products share every load.
    for (; i + 1 < i1; i += 2) {
      const oi = i * d, oi2 = oi + d;
      let k = k0;
      for (; k + 1 < k1; k += 2) {
        const ok = k * d, ok2 = ok + d;
        let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
        for (let t = 0; t < d; t++) {
          const x0 = a[oi + t], x1 = a[oi2 + t], y0 = a[ok + t], y1 = a[ok2 + t];
          s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
        }
        const r0 = (i - i0) * w + (k - k0), r1 = r0 + w;
        out[r0] = clamp0(norms[i] + norms[k] - 2 * s00);
        out[r0 + 1] = clamp0(norms[i] + norms[k + 1] - 2 * s01);
        out[r1] = clamp0(norms[i + 1] + norms[k] - 2 * s10);
        out[r1 + 1] = clamp0(norms[i + 1] + norms[k + 1] - 2 * s11);
      }
      for (; k < k1; k++) {
        const ok = k * d;
        let s0 = 0, s1 = 0;
        for (let t = 0; t < d; t++) { const y = a[ok + t]; s0 += a[oi + t] * y; s1 += a[oi2 + t] * y; }
        out[(i - i0) * w + (k - k0)] = clamp0(norms[i] + norms[k] - 2 * s0);
        out[(i + 1 - i0) * w + (k - k0)] = clamp0(norms[i + 1] + norms[k] - 2 * s1);
      }
    }
    for (; i < i1; i++) {
      const oi = i * d;
      for (let k = k0; k < k1; k++) {
        const ok = k * d;
        let s = 0;
        for (let t = 0; t < d; t++) s += a[oi + t] * a[ok + t];
        out[(i - i0) * w + (k - k0)] = clamp0(norms[i] + norms[k] - 2 * s);
      }
    }
  } else {
    const b = i1 - i0, cols = X.cols;
    const T = scratch ?? new Float32Array(BLOCK * cols);
    // transposed block: T[c * b + r] = X[i0 + r][c], so one non-zero of row k touches b contiguous floats
    for (let r = 0; r < b; r++) {
      for (let p = X.indptr[i0 + r]; p < X.indptr[i0 + r + 1]; p++) T[X.indices[p] * b + r] = X.values[p];
    }
    const acc = new Float64Array(b);
    for (let k = k0; k < k1; k++) {
      acc.fill(0);
      for (let p = X.indptr[k]; p < X.indptr[k + 1]; p++) {
        const v = X.values[p], base = X.indices[p] * b;
        for (let r = 0; r < b; r++) acc[r] += T[base + r] * v;
      }
      for (let r = 0; r < b; r++) out[r * w + (k - k0)] = clamp0(norms[i0 + r] + norms[k] - 2 * acc[r]);
    }
    // clear only what was written (the buffer is reused for the next block)
    for (let r = 0; r < b; r++) {
      for (let p = X.indptr[i0 + r]; p < X.indptr[i0 + r + 1]; p++) T[X.indices[p] * b + r] = 0;
    }
  }
}

function clamp0(v: number): number { return v > 0 ? v : 0; }

/**
 * The full symmetric n x n D2 in Float32 (`out`, possibly on a SharedArrayBuffer), computed
 * block by block over the upper triangle and mirrored. The diagonal is exactly 0.
 */
export function pairwiseSquaredDistances(X: Matrix, out: Float32Array, norms = rowSquaredNorms(X)): void {
  const n = X.rows;
  const scratch = X.kind === 'csr' ? new Float32Array(BLOCK * X.cols) : undefined;
  const buf = new Float64Array(BLOCK * n);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    const w = n - i0;
    distanceBlock(X, norms, i0, i1, i0, n, buf, scratch);
    for (let i = i0; i < i1; i++) {
      for (let k = i; k < n; k++) {
        const v = k === i ? 0 : buf[(i - i0) * w + (k - i0)];
        out[i * n + k] = v;
        out[k * n + i] = v;
      }
    }
  }
}

/**
 * The m nearest other rows of every row (exact, ties by lower index), from the same blockwise
 * distances: the dictionaries of the `candidates` option. Returns n x m indices and squared
 * distances (m clamped to n - 1).
 */
export function nearestOthers(X: Matrix, m: number, norms = rowSquaredNorms(X)): { indices: Int32Array; d2: Float32Array; m: number } {
  const n = X.rows;
  const mm = Math.min(m, n - 1);
  const indices = new Int32Array(n * mm);
  const d2 = new Float32Array(n * mm);
  const scratch = X.kind === 'csr' ? new Float32Array(BLOCK * X.cols) : undefined;
  const buf = new Float64Array(BLOCK * n);
  const heap = new TopK(mm);
  const tmpI = new Int32Array(mm), tmpD = new Float64Array(mm);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    distanceBlock(X, norms, i0, i1, 0, n, buf, scratch);
    for (let i = i0; i < i1; i++) {
      heap.reset(mm);
      const row = (i - i0) * n;
      for (let k = 0; k < n; k++) if (k !== i) heap.push(buf[row + k], k);
      heap.drainSorted(tmpI, tmpD, 0);
      indices.set(tmpI, i * mm);
      for (let t = 0; t < mm; t++) d2[i * mm + t] = tmpD[t];
    }
  }
  return { indices, d2, m: mm };
}
