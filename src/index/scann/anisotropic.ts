import { KnnkitError } from '../../core/errors.js';
import { denseMatrix, type DenseMatrix } from '../../core/matrix.js';
import { Rng } from '../../core/rng.js';
import { ProductQuantizer } from '../pq/product-quantizer.js';

/**
 * ScaNN's anisotropic vector quantisation (Guo et al. 2020, "Accelerating Large-Scale Inference
 * with Anisotropic Vector Quantization", section 3). For maximum inner product search the error
 * that matters is the part of the quantisation error e = x - x~ parallel to the datapoint x:
 * queries that rank x highly point roughly along x. The score-aware loss is
 *
 *   l(x, x~) = h_par ||e_par||^2 + h_perp ||e_perp||^2,  e_par = <e, u> u,  u = x / ||x||,
 *
 * with, for the threshold T (Theorem 3.3, the weight of the inner products <q, x> >= T),
 *
 *   eta = h_par / h_perp = (d - 1) (T^2 / ||x||^2) / (1 - T^2 / ||x||^2).
 *
 * Dividing by h_perp: l = ||e||^2 + (eta - 1) <e, u>^2, the form used below. With a partition
 * the codes quantise residuals r = x - c, but the error r - r~ is still x - x~, so the
 * direction u is the datapoint's own (as ScaNN's residual quantiser does).
 */

/** eta of one datapoint of squared norm sq in d dimensions for threshold T (1 = plain PQ). */
export function anisotropicEta(sq: number, d: number, T: number): number {
  const ratio = (T * T) / sq;
  // a point no longer than T (or zero) has no direction worth protecting: the plain loss
  if (!(sq > 0) || !(ratio < 1) || d < 2) return 1;
  return ((d - 1) * ratio) / (1 - ratio);
}

/** eta per row of X and its unit directions u (zero rows: eta 1, u = 0). */
export function directions(X: DenseMatrix, T: number): { eta: Float64Array; U: Float32Array } {
  const n = X.rows, d = X.cols, eta = new Float64Array(n), U = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = i * d; t < i * d + d; t++) s += X.data[t] * X.data[t];
    eta[i] = anisotropicEta(s, d, T);
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = i * d; t < i * d + d; t++) U[t] = X.data[t] * inv;
  }
  return { eta, U };
}

/**
 * Working state of one coordinate-descent pass: per row its error vector e = r - r~ (n x d)
 * and p = <e, u> (the parallel component), kept in step with the codes.
 */
class Residuals {
  readonly E: Float64Array;
  readonly p: Float64Array;
  constructor(readonly R: DenseMatrix, readonly U: Float32Array, readonly pq: ProductQuantizer, readonly codes: Uint8Array) {
    const n = R.rows, d = R.cols;
    this.E = new Float64Array(n * d);
    this.p = new Float64Array(n);
    const rec = new Float32Array(d);
    for (let i = 0; i < n; i++) {
      pq.decode(codes, i * pq.m, rec, 0);
      let s = 0;
      for (let t = 0; t < d; t++) { const e = R.data[i * d + t] - rec[t]; this.E[i * d + t] = e; s += e * U[i * d + t]; }
      this.p[i] = s;
    }
  }

  /**
   * One sweep of coordinate descent over the m blocks (ScaNN's assignment step): for each row
   * and block j, the code c minimising ||e||^2 + (eta - 1) <e, u>^2 with the other blocks
   * fixed. Returns how many codes changed.
   */
  sweep(eta: Float64Array): number {
    const { R, U, pq, codes, E, p } = this;
    const n = R.rows, d = R.cols, m = pq.m, ksub = pq.ksub, dsub = pq.dsub, C = pq.centroids;
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const w = eta[i] - 1, io = i * d;
      for (let j = 0; j < m; j++) {
        const bo = io + j * dsub, cb = j * ksub * dsub;
        // block j's current error and its parallel contribution
        let eOld = 0, pOld = 0;
        for (let t = 0; t < dsub; t++) { const e = E[bo + t]; eOld += e * e; pOld += e * U[bo + t]; }
        const pRest = p[i] - pOld;
        let best = codes[i * m + j], bestLoss = eOld + w * p[i] * p[i];
        for (let c = 0; c < ksub; c++) {
          let e2 = 0, pc = 0;
          for (let t = 0; t < dsub; t++) { const e = R.data[bo + t] - C[cb + c * dsub + t]; e2 += e * e; pc += e * U[bo + t]; }
          const par = pRest + pc, loss = e2 + w * par * par;
          if (loss < bestLoss - 1e-12) { bestLoss = loss; best = c; }
        }
        if (best !== codes[i * m + j]) {
          changed++;
          codes[i * m + j] = best;
          let pc = 0;
          for (let t = 0; t < dsub; t++) { const e = R.data[bo + t] - C[cb + best * dsub + t]; E[bo + t] = e; pc += e * U[bo + t]; }
          p[i] = pRest + pc;
        }
      }
    }
    return changed;
  }

  /**
   * The codebook step: block by block, each centre c of block j set to the exact minimiser of
   * the loss over its rows with every other block fixed,
   *   [sum_i I + (eta_i - 1) u_ij u_ij^T] c = sum_i r_ij + (eta_i - 1)(s_i + <r_ij, u_ij>) u_ij,
   * s_i = <e_i, u_i> without block j (a dsub x dsub system per centre; an empty centre keeps its
   * value). The errors are brought up to date after each block (Gauss-Seidel).
   */
  update(eta: Float64Array): void {
    const { R, U, pq, codes, E, p } = this;
    const n = R.rows, d = R.cols, m = pq.m, ksub = pq.ksub, dsub = pq.dsub, C = pq.centroids;
    const A = new Float64Array(ksub * dsub * dsub), b = new Float64Array(ksub * dsub), cnt = new Int32Array(ksub);
    const sys = new Float64Array(dsub * dsub), rhs = new Float64Array(dsub);
    for (let j = 0; j < m; j++) {
      A.fill(0); b.fill(0); cnt.fill(0);
      for (let i = 0; i < n; i++) {
        const c = codes[i * m + j], bo = i * d + j * dsub, w = eta[i] - 1;
        let pOld = 0, ru = 0;
        for (let t = 0; t < dsub; t++) { pOld += E[bo + t] * U[bo + t]; ru += R.data[bo + t] * U[bo + t]; }
        const coef = w * (p[i] - pOld + ru);
        cnt[c]++;
        for (let t = 0; t < dsub; t++) {
          b[c * dsub + t] += R.data[bo + t] + coef * U[bo + t];
          A[(c * dsub + t) * dsub + t] += 1;
          for (let s = 0; s < dsub; s++) A[(c * dsub + t) * dsub + s] += w * U[bo + t] * U[bo + s];
        }
      }
      for (let c = 0; c < ksub; c++) {
        if (cnt[c] === 0) continue;
        sys.set(A.subarray(c * dsub * dsub, (c + 1) * dsub * dsub));
        rhs.set(b.subarray(c * dsub, (c + 1) * dsub));
        if (solve(sys, rhs, dsub)) for (let t = 0; t < dsub; t++) C[(j * ksub + c) * dsub + t] = rhs[t];
      }
      for (let i = 0; i < n; i++) {
        const c = codes[i * m + j], bo = i * d + j * dsub;
        let pOld = 0, pNew = 0;
        for (let t = 0; t < dsub; t++) {
          pOld += E[bo + t] * U[bo + t];
          const e = R.data[bo + t] - C[(j * ksub + c) * dsub + t];
          E[bo + t] = e;
          pNew += e * U[bo + t];
        }
        p[i] += pNew - pOld;
      }
    }
  }

  /** Mean anisotropic loss (for the tests' monotonicity check). */
  loss(eta: Float64Array): number {
    const n = this.R.rows, d = this.R.cols;
    let s = 0;
    for (let i = 0; i < n; i++) {
      let e2 = 0;
      for (let t = i * d; t < i * d + d; t++) e2 += this.E[t] * this.E[t];
      s += e2 + (eta[i] - 1) * this.p[i] * this.p[i];
    }
    return s / Math.max(1, n);
  }
}

/** Gaussian elimination with partial pivoting of a small system (in place; rhs becomes x). False when singular. */
function solve(A: Float64Array, b: Float64Array, k: number): boolean {
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r * k + c]) > Math.abs(A[piv * k + c])) piv = r;
    if (Math.abs(A[piv * k + c]) < 1e-12) return false;
    if (piv !== c) {
      for (let t = 0; t < k; t++) { const v = A[c * k + t]; A[c * k + t] = A[piv * k + t]; A[piv * k + t] = v; }
      const v = b[c]; b[c] = b[piv]; b[piv] = v;
    }
    for (let r = c + 1; r < k; r++) {
      const f = A[r * k + c] / A[c * k + c];
      if (f === 0) continue;
      for (let t = c; t < k; t++) A[r * k + t] -= f * A[c * k + t];
      b[r] -= f * b[c];
    }
  }
  for (let c = k - 1; c >= 0; c--) {
    let s = b[c];
    for (let t = c + 1; t < k; t++) s -= A[c * k + t] * b[t];
    b[c] = s / A[c * k + c];
  }
  return true;
}

/** Options of the anisotropic quantiser. */
export interface AnisotropicOptions {
  /** ScaNN's anisotropic_quantization_threshold T (0 = plain PQ). */
  threshold: number;
  /** Alternations of the assignment sweep and the codebook step after the k-means start. */
  iters: number;
  /** Coordinate-descent sweeps when encoding (each sweep visits every block once). */
  encodeSweeps: number;
  /** Rows the codebooks are trained on (a seeded sample). */
  trainRows: number;
  seed: number;
  /** k-means start (plain PQ) iterations and sample per centre. */
  pqIter: number;
  maxPointsPerCentroid: number;
}

/**
 * Trains codebooks for residuals R of datapoints X (R = X without a partition) under the
 * anisotropic loss: plain PQ k-means as the start, then `iters` alternations of coordinate
 * descent over the codes and the exact per-centre minimisation. Each step lowers the loss or
 * leaves it unchanged (returned: the loss after the start and after each iteration).
 */
export function trainAnisotropic(R: DenseMatrix, X: DenseMatrix, m: number, nbits: number, o: AnisotropicOptions): { pq: ProductQuantizer; losses: number[] } {
  if (R.rows !== X.rows || R.cols !== X.cols) throw new KnnkitError('sample', `sample: residuals ${R.rows} x ${R.cols} and datapoints ${X.rows} x ${X.cols} differ`);
  const { R: Rs, X: Xs } = sample(R, X, o.trainRows, o.seed);
  const pq = ProductQuantizer.train(Rs, m, nbits, { niter: o.pqIter, seed: o.seed, maxPointsPerCentroid: o.maxPointsPerCentroid });
  if (o.threshold <= 0) return { pq, losses: [] };
  const { eta, U } = directions(Xs, o.threshold);
  const state = new Residuals(Rs, U, pq, pq.encode(Rs));
  const losses = [state.loss(eta)];
  for (let it = 0; it < o.iters; it++) {
    state.sweep(eta);
    state.update(eta);
    losses.push(state.loss(eta));
  }
  return { pq, losses };
}

/**
 * Codes of residuals R of datapoints X under the anisotropic loss: the nearest centre per block
 * (plain PQ's code) refined by `sweeps` coordinate-descent sweeps (stopping early when none
 * changes). T = 0: plain PQ codes.
 */
export function encodeAnisotropic(pq: ProductQuantizer, R: DenseMatrix, X: DenseMatrix, T: number, sweeps: number): Uint8Array {
  const codes = pq.encode(R);
  if (T <= 0 || R.rows === 0) return codes;
  const { eta, U } = directions(X, T);
  const state = new Residuals(R, U, pq, codes);
  for (let s = 0; s < sweeps; s++) if (state.sweep(eta) === 0) break;
  return codes;
}

/** Mean squared error parallel to each datapoint and orthogonal to it, of X against its reconstruction Xh. */
export function directionalErrors(X: DenseMatrix, Xh: Float32Array): { parallel: number; orthogonal: number } {
  const n = X.rows, d = X.cols;
  let par = 0, orth = 0;
  for (let i = 0; i < n; i++) {
    let s = 0, e2 = 0, pe = 0;
    for (let t = i * d; t < i * d + d; t++) { s += X.data[t] * X.data[t]; const e = X.data[t] - Xh[t]; e2 += e * e; pe += e * X.data[t]; }
    const p2 = s > 0 ? (pe * pe) / s : 0;
    par += p2;
    orth += e2 - p2;
  }
  return { parallel: par / Math.max(1, n), orthogonal: orth / Math.max(1, n) };
}

/** At most `max` rows (the same rows of R and X), a seeded sample. */
function sample(R: DenseMatrix, X: DenseMatrix, max: number, seed: number): { R: DenseMatrix; X: DenseMatrix } {
  if (R.rows <= max) return { R, X };
  const perm = new Rng(seed ^ 0x5ca11).permutation(R.rows), d = R.cols;
  const r = new Float32Array(max * d), x = new Float32Array(max * d);
  for (let i = 0; i < max; i++) {
    r.set(R.data.subarray(perm[i] * d, perm[i] * d + d), i * d);
    x.set(X.data.subarray(perm[i] * d, perm[i] * d + d), i * d);
  }
  return { R: denseMatrix(r, max, d), X: denseMatrix(x, max, d) };
}
