import type { Matrix } from '../core/data.js';
import { csrRowSquaredNorms, csrTakeRows } from '../core/sparse.js';
import { BruteForce } from '../search/brute-force/brute-force.js';

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
 * D2 of rows j and i with exactly the arithmetic of `distanceBlock` (norms plus a sequential
 * float64 dot product, clamped at 0), so that values agree bit for bit with the blockwise
 * ones. CSR: row j must be scattered into `rowJ` (dense, length cols) by the caller.
 */
export function pairSquaredDistance(X: Matrix, norms: Float64Array, j: number, i: number, rowJ: Float32Array | null): number {
  let s = 0;
  if (X.kind === 'dense') {
    const d = X.cols, a = X.data, oj = j * d, oi = i * d;
    for (let t = 0; t < d; t++) s += a[oi + t] * a[oj + t];
  } else {
    const ind = X.indices, val = X.values, r = rowJ!;
    for (let p = X.indptr[i], e = X.indptr[i + 1]; p < e; p++) s += r[ind[p]] * val[p];
  }
  return clamp0(norms[j] + norms[i] - 2 * s);
}

/** Scatters CSR row j into the dense buffer (value 0 clears it again). */
export function scatterRow(X: Matrix, j: number, buf: Float32Array, clear = false): void {
  if (X.kind !== 'csr') return;
  for (let p = X.indptr[j], e = X.indptr[j + 1]; p < e; p++) buf[X.indices[p]] = clear ? 0 : X.values[p];
}

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
 * The m nearest other rows of every row: the dictionaries S_j of the `candidates` option.
 * Exact: knnkit's brute-force engine (WebAssembly SIMD pre-selection, then re-ranking by the
 * float64 squared Euclidean distance, ties by lower index) searches every row for its m + 1
 * nearest rows and the row itself is dropped (when more than m rows tie with it at distance
 * 0 and have lower indices, it is not among them and the first m are kept). Returns n x m
 * indices and squared distances (m clamped to n - 1).
 */
export function nearestOthers(X: Matrix, m: number): NearestOthers {
  const mm = Math.max(0, Math.min(m, X.rows - 1));
  if (mm === 0) return { indices: new Int32Array(0), d2: new Float32Array(0), m: 0 };
  const res = new BruteForce(X, { metric: 'sqeuclidean' }).search(X, mm + 1);
  return dropSelf(res.indices, res.distances, X.rows, mm);
}

/**
 * `nearestOthers` for the query rows [r0, r1) only, into out[r * m ..] (m already clamped):
 * the per-thread part of the parallel preparation (`bf`: a brute-force index over all of X).
 */
export function nearestOthersRows(bf: BruteForce, X: Matrix, r0: number, r1: number, m: number, out: Int32Array): void {
  if (m === 0 || r1 <= r0) return;
  const Q: Matrix = X.kind === 'dense'
    ? { kind: 'dense', data: X.data.subarray(r0 * X.cols, r1 * X.cols), rows: r1 - r0, cols: X.cols }
    : csrTakeRows(X, Int32Array.from({ length: r1 - r0 }, (_, t) => r0 + t));
  const res = bf.search(Q, m + 1);
  const part = dropSelf(res.indices, res.distances, r1 - r0, m, r0);
  out.set(part.indices, r0 * m);
}

export interface NearestOthers { indices: Int32Array; d2: Float32Array; m: number }

/** Row i of a self-search with m + 1 neighbours, without i (or its first m when i is absent). */
function dropSelf(idx: Int32Array, dist: Float32Array, n: number, m: number, first = 0): NearestOthers {
  const indices = new Int32Array(n * m), d2 = new Float32Array(n * m);
  const w = m + 1;
  for (let i = 0; i < n; i++) {
    let q = i * m;
    const e = q + m;
    for (let t = i * w; t < (i + 1) * w && q < e; t++) {
      if (idx[t] === i + first) continue;
      indices[q] = idx[t]; d2[q++] = dist[t];
    }
  }
  return { indices, d2, m };
}
