import { KnnkitError } from '../../core/errors.js';
import { denseMatrix, type DenseMatrix } from '../../core/matrix.js';
import { Rng } from '../../core/rng.js';
import { jacobiSvd } from './jacobi-svd.js';
import { ProductQuantizer } from './product-quantizer.js';

/** Options of the OPQ rotation (FAISS OPQMatrix). */
export interface OpqOptions {
  /** Sub-spaces of the PQ the rotation is fitted for (FAISS OPQ<M>). */
  m: number;
  /** Alternations of PQ training and the Procrustes step (FAISS niter: 50). */
  niter: number;
  seed: number;
  /** Rows of the training sample (FAISS: 256 * 256). */
  maxRows?: number;
}

/** Lloyd steps of the warm-started PQ per alternation (FAISS niter_pq = 4; the first PQ trains for 20). */
const PQ_STEPS = 2;
const PQ_FIRST = 20;

/**
 * Optimised product quantisation, non-parametric form (Ge, He, Ke & Sun 2013, "Optimized
 * Product Quantization", section 3.1; FAISS OPQMatrix): an orthogonal d x d matrix R such that
 * the PQ of x R has the smallest reconstruction error. Alternates
 *   (i)  PQ codebooks and codes of X R fixed R (k-means, warm-started after the first round);
 *   (ii) R fixed the codes: min_R ||X R - Y||_F over orthogonal R, Y the reconstructions, the
 *        orthogonal Procrustes problem, solved by the SVD X^T Y = U S V^T: R = U V^T.
 * Returns R row-major (x_rot[j] = sum_i x[i] R[i][j]). Inner products and L2 distances are
 * unchanged by R, so an index searches x R with q R.
 */
export function trainOpq(X: DenseMatrix, o: OpqOptions): Float32Array {
  const d = X.cols;
  if (d % o.m !== 0) throw new KnnkitError('opqM', `opqM: got ${o.m}; expected a divisor of the dimension ${d}`);
  const S = sampleRows(X, o.maxRows ?? 8192, o.seed);
  const n = S.rows;
  // 256 centres per sub-space as FAISS's OPQMatrix, fewer when the sample is small
  const nbits = Math.max(1, Math.min(8, Math.floor(Math.log2(Math.max(2, n / 4)))));
  const R = new Float64Array(d * d);
  for (let i = 0; i < d; i++) R[i * d + i] = 1;
  let pq: ProductQuantizer | null = null;
  const Xr = denseMatrix(new Float32Array(n * d), n, d), Y = new Float32Array(n * d);
  for (let it = 0; it < o.niter; it++) {
    applyRotation(S.data, n, d, R, Xr.data);
    if (!pq) pq = ProductQuantizer.train(Xr, o.m, nbits, { niter: PQ_FIRST, seed: o.seed, maxPointsPerCentroid: 256 });
    else for (let s = 0; s < PQ_STEPS; s++) lloydStep(pq, Xr);
    const codes = pq.encode(Xr);
    for (let i = 0; i < n; i++) pq.decode(codes, i * pq.m, Y, i * d);
    // Procrustes: A = X^T Y (d x d), R = U V^T
    const A = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const xo = i * d;
      for (let a = 0; a < d; a++) {
        const xa = S.data[xo + a];
        if (xa === 0) continue;
        const ro = a * d;
        for (let b = 0; b < d; b++) A[ro + b] += xa * Y[xo + b];
      }
    }
    const { U, V } = jacobiSvd(A, d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += U[i * d + t] * V[j * d + t];
        R[i * d + j] = s;
      }
    }
  }
  return Float32Array.from(R);
}

/** out = X R for n rows (float64 accumulation). */
function applyRotation(X: Float32Array, n: number, d: number, R: ArrayLike<number>, out: Float32Array): void {
  const acc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let a = 0; a < d; a++) {
      const xa = X[i * d + a];
      if (xa === 0) continue;
      for (let b = 0; b < d; b++) acc[b] += xa * R[a * d + b];
    }
    for (let b = 0; b < d; b++) out[i * d + b] = acc[b];
  }
}

/** The rows of X rotated: X R. */
export function rotateRows(X: DenseMatrix, R: Float32Array): DenseMatrix {
  const out = new Float32Array(X.rows * X.cols);
  applyRotation(X.data, X.rows, X.cols, R, out);
  return denseMatrix(out, X.rows, X.cols);
}

/** One vector back from the rotated space: v R^T (R orthogonal: its inverse). */
export function unrotate(v: Float32Array, R: Float32Array): Float32Array {
  const d = v.length, out = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += v[j] * R[i * d + j];
    out[i] = s;
  }
  return out;
}

/** One Lloyd step of every sub-quantiser in place (empty centres keep their value). */
function lloydStep(pq: ProductQuantizer, X: DenseMatrix): void {
  const { m, ksub, dsub } = pq, n = X.rows, d = X.cols, C = pq.centroids;
  const codes = pq.encode(X), sum = new Float64Array(m * ksub * dsub), cnt = new Int32Array(m * ksub);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const c = j * ksub + codes[i * m + j];
      cnt[c]++;
      for (let t = 0; t < dsub; t++) sum[c * dsub + t] += X.data[i * d + j * dsub + t];
    }
  }
  for (let c = 0; c < m * ksub; c++) if (cnt[c] > 0) for (let t = 0; t < dsub; t++) C[c * dsub + t] = sum[c * dsub + t] / cnt[c];
}

function sampleRows(X: DenseMatrix, max: number, seed: number): DenseMatrix {
  if (X.rows <= max) return X;
  const perm = new Rng(seed).permutation(X.rows), d = X.cols, out = new Float32Array(max * d);
  for (let i = 0; i < max; i++) out.set(X.data.subarray(perm[i] * d, perm[i] * d + d), i * d);
  return denseMatrix(out, max, d);
}
