import type { Matrix } from '../core/data.js';
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
 *
 * Every pair's D2 is |x_i|^2 + |x_k|^2 - 2 <x_i, x_k> (clamped at 0) with the dot product
 * summed sequentially in float64 over ascending columns, as the blockwise step-1 kernels do.
 * Sparse rows: the exact pass walks an inverted (column) index, so only the non-zero products
 * are ever formed (news20: ~2e7 instead of ~5e8), and the sampled pass merges the two sorted
 * rows; both add the same products in the same (ascending column) order as a dense dot.
 */
export function medianDistanceStreaming(X: Matrix, norms: Float64Array, seed: number): number {
  const plan = medianPlan(X.rows, seed);
  if (plan.count === 0) return 1;
  const v = new Float64Array(plan.count);
  medianPairValues(X, norms, plan, 0, plan.exact ? X.rows : plan.count, v);
  return medianOfSquared(v);
}

/**
 * Which pairs the median is taken over: all i < k (exact) or SAMPLED_PAIRS seeded random ones
 * (drawn here, in the generator's order, so that the values can be computed in any order or
 * on any thread). `shared`: the pair lists on SharedArrayBuffers.
 */
export interface MedianPlan { n: number; exact: boolean; count: number; I?: Int32Array; K?: Int32Array }

/** How many pair distances the median is taken over for n points. */
export function medianPairCount(n: number): number {
  const pairs = (n * (n - 1)) / 2;
  return pairs <= EXACT_MEDIAN_PAIRS ? pairs : SAMPLED_PAIRS;
}

export function medianPlan(n: number, seed: number, shared = false): MedianPlan {
  const pairs = (n * (n - 1)) / 2;
  if (pairs <= EXACT_MEDIAN_PAIRS) return { n, exact: true, count: pairs };
  const alloc = (len: number) => shared ? new Int32Array(new SharedArrayBuffer(len * 4)) : new Int32Array(len);
  const I = alloc(SAMPLED_PAIRS), K = alloc(SAMPLED_PAIRS);
  drawPairs(seed ^ 0x5eed, n, I, K);
  return { n, exact: false, count: SAMPLED_PAIRS, I, K };
}

/**
 * I.length random pairs i != k: i = rng.int(n), k = rng.int(n - 1) shifted past i, from
 * `new Rng(seed)` (core/rng.ts: SplitMix32-seeded xoshiro128**, 53-bit doubles). The same
 * numbers as calling the Rng (the test compares), with the state in a typed array instead of
 * 2^24 method calls on an object: 8x faster at the 2^22 pairs of the sampled median.
 */
export function drawPairs(seed: number, n: number, I: Int32Array, K: Int32Array): void {
  const st = new Uint32Array(4);
  let s = seed >>> 0;
  for (let t = 0; t < 4; t++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    st[t] = (z ^ (z >>> 16)) >>> 0;
  }
  if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1;
  const TWO53 = 9007199254740992;
  for (let q = 0; q < I.length; q++) {
    const i = Math.floor((((nextU32(st) >>> 5) * 67108864 + (nextU32(st) >>> 6)) / TWO53) * n);
    let k = Math.floor((((nextU32(st) >>> 5) * 67108864 + (nextU32(st) >>> 6)) / TWO53) * (n - 1));
    if (k >= i) k++;
    I[q] = i; K[q] = k;
  }
}

/** One xoshiro128** step on the state st = [a, b, c, d] (Rng.nextUint32). */
function nextU32(st: Uint32Array): number {
  const a = st[0], b = st[1];
  const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
  const t = b << 9;
  const c = st[2] ^ a, d = st[3] ^ b;
  st[0] = a ^ d; st[1] = b ^ c; st[2] = c ^ t; st[3] = rotl(d, 11);
  return result;
}

function rotl(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }

/** Position in the exact pair list of the first pair (i, i + 1): sum over r < i of n - 1 - r. */
export function pairOffset(n: number, i: number): number { return i * (n - 1) - (i * (i - 1)) / 2; }

/**
 * D2 of a slice of the plan's pairs into v (at their own positions): exact plans take rows
 * [lo, hi) (every pair (i, k > i)), sampled plans pair indices [lo, hi). `columns`: the CSR
 * column lists (built when absent).
 */
export function medianPairValues(X: Matrix, norms: Float64Array, plan: MedianPlan, lo: number, hi: number, v: Float64Array,
  columns?: CsrColumns): void {
  if (plan.exact) {
    if (X.kind === 'dense') allPairsDense(X.data, X.cols, X.rows, norms, lo, hi, v);
    else allPairsCsr(X, norms, lo, hi, v, columns ?? csrColumns(X));
    return;
  }
  const I = plan.I!, K = plan.K!;
  if (X.kind === 'dense') {
    const d = X.cols, a = X.data;
    let q = lo;
    // two pairs per pass: two independent (each still sequential) sums in flight
    for (; q + 1 < hi; q += 2) {
      const i0 = I[q], k0 = K[q], i1 = I[q + 1], k1 = K[q + 1];
      const oi0 = i0 * d, ok0 = k0 * d, oi1 = i1 * d, ok1 = k1 * d;
      let s0 = 0, s1 = 0;
      for (let t = 0; t < d; t++) { s0 += a[oi0 + t] * a[ok0 + t]; s1 += a[oi1 + t] * a[ok1 + t]; }
      const r0 = norms[i0] + norms[k0] - 2 * s0, r1 = norms[i1] + norms[k1] - 2 * s1;
      v[q] = r0 > 0 ? r0 : 0; v[q + 1] = r1 > 0 ? r1 : 0;
    }
    for (; q < hi; q++) {
      const i = I[q], k = K[q], oi = i * d, ok = k * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += a[oi + t] * a[ok + t];
      const r = norms[i] + norms[k] - 2 * s;
      v[q] = r > 0 ? r : 0;
    }
  } else {
    const { indptr, indices, values } = X;
    for (let q = lo; q < hi; q++) {
      const i = I[q], k = K[q];
      let s = 0;
      // sorted-merge of the two rows: the common columns in ascending order
      let a = indptr[i], b = indptr[k];
      const ae = indptr[i + 1], be = indptr[k + 1];
      while (a < ae && b < be) {
        const ca = indices[a], cb = indices[b];
        if (ca === cb) { s += values[a++] * values[b++]; } else if (ca < cb) a++; else b++;
      }
      const r = norms[i] + norms[k] - 2 * s;
      v[q] = r > 0 ? r : 0;
    }
  }
}

function allPairsDense(a: Float32Array, d: number, n: number, norms: Float64Array, i0: number, i1: number, v: Float64Array): void {
  let q = pairOffset(n, i0);
  for (let i = i0; i < i1; i++) {
    const oi = i * d, ni = norms[i];
    for (let k = i + 1; k < n; k++) {
      const ok = k * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += a[oi + t] * a[ok + t];
      const r = ni + norms[k] - 2 * s;
      v[q++] = r > 0 ? r : 0;
    }
  }
}

/** Pairs (i, k > i) for rows [i0, i1) of a CSR matrix through its column lists (rows ascending in every list). */
function allPairsCsr(X: Extract<Matrix, { kind: 'csr' }>, norms: Float64Array, i0: number, i1: number, v: Float64Array, cols: CsrColumns): void {
  const n = X.rows, { indptr, indices, values } = X;
  const acc = new Float64Array(n);
  let q = pairOffset(n, i0);
  for (let i = i0; i < i1; i++) {
    for (let p = indptr[i], e = indptr[i + 1]; p < e; p++) {
      const c = indices[p], xi = values[p];
      // the list continues after i itself with the rows k > i
      for (let t = lowerBound(cols.row, cols.ptr[c], cols.ptr[c + 1], i) + 1, te = cols.ptr[c + 1]; t < te; t++) acc[cols.row[t]] += xi * cols.val[t];
    }
    const ni = norms[i];
    for (let k = i + 1; k < n; k++) {
      const r = ni + norms[k] - 2 * acc[k];
      v[q++] = r > 0 ? r : 0;
      acc[k] = 0;
    }
  }
}

/** First position in a[lo, hi) (ascending) holding a value >= x. */
function lowerBound(a: Int32Array, lo: number, hi: number, x: number): number {
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}

export interface CsrColumns { ptr: Int32Array; row: Int32Array; val: Float32Array }

/** Column lists (CSC) of a CSR matrix: rows ascending within every column. */
export function csrColumns(X: Extract<Matrix, { kind: 'csr' }>): CsrColumns {
  const { indptr, indices, values, rows, cols } = X;
  const nnz = indptr[rows];
  const ptr = new Int32Array(cols + 1);
  for (let p = 0; p < nnz; p++) ptr[indices[p] + 1]++;
  for (let c = 0; c < cols; c++) ptr[c + 1] += ptr[c];
  const fill = ptr.slice(0, cols);
  const row = new Int32Array(nnz), val = new Float32Array(nnz);
  for (let i = 0; i < rows; i++) {
    for (let p = indptr[i], e = indptr[i + 1]; p < e; p++) { const t = fill[indices[p]]++; row[t] = i; val[t] = values[p]; }
  }
  return { ptr, row, val };
}

/** What the local (candidates) kernel block needs: Eq. 2's constants and the training rows. */
export interface LocalKernelSource {
  sigma: number;
  gaussWeight: number;
  labelWeight: number;
  labelDiscount: number;
  yIds: Int32Array;
  /** |x_i|^2 of every training row (float64). */
  norms: Float64Array;
  dense?: { data: Float32Array; cols: number };
  csr?: { indptr: Int32Array; indices: Int32Array; values: Float32Array; cols: number };
}

/** Eq. 2 for one pair: gw exp(-D2 / (2 sigma^2)) + lw (1 or the discount). */
export function kernelValue(d2: number, inv2s2: number, gw: number, lw: number, disc: number, same: boolean): number {
  return gw * Math.exp(-(d2 > 0 ? d2 : 0) * inv2s2) + lw * (same ? 1 : disc);
}

/**
 * The composite kernel block A[R, R] (q x q, float64, symmetric) of one column's local
 * dictionary R = {j} + S_j, and its Gram quantities. D2 of every pair is
 * |x_u|^2 + |x_v|^2 - 2 <x_u, x_v> with the dot product summed in float64 over ascending
 * columns, the arithmetic of the blockwise step-1 kernels.
 *
 * Sparse rows go through an inverted index of the q rows built per block (contiguous column
 * lists, rows ascending; reset after use): only the products of common columns are formed,
 * and for every pair they are added in ascending column order, exactly as a dot product over
 * one scattered row adds them.
 */
export class LocalKernel {
  private readonly inv2s2: number;
  private readonly acc: Float64Array;
  // sparse: slot of every data column in the block's lists (-1 = none), the entries (row in
  // block, value) column after column, and each row entry's own position in its list
  private readonly slotOf?: Int32Array;
  private eRow: Int32Array; private eVal: Float32Array; private eSelf: Int32Array;
  private cols = new Int32Array(0); private start = new Int32Array(1); private nSlots = 0;

  constructor(private readonly src: LocalKernelSource, readonly q: number) {
    this.inv2s2 = 1 / (2 * src.sigma * src.sigma);
    this.acc = new Float64Array(q);
    if (src.csr) this.slotOf = new Int32Array(src.csr.cols).fill(-1);
    this.eRow = new Int32Array(0); this.eVal = new Float32Array(0); this.eSelf = new Int32Array(0);
  }

  /** AR (q x q, row-major) = A[R, R]; the diagonal is gw + lw (D2 = 0, same class). */
  block(R: Int32Array, AR: Float64Array): void {
    const s = this.src, q = this.q, norms = s.norms, y = s.yIds, acc = this.acc;
    const inv = this.inv2s2, gw = s.gaussWeight, lw = s.labelWeight, disc = s.labelDiscount;
    if (s.csr) this.sparseDots(R);
    for (let u = 0; u < q; u++) {
      const iu = R[u], nu = norms[iu], yu = y[iu];
      AR[u * q + u] = gw + lw;
      if (s.dense) {
        const { data, cols } = s.dense, ou = iu * cols;
        let v = u + 1;
        for (; v + 1 < q; v += 2) {
          // two rows per pass: the loads of x_u are shared, each sum stays sequential
          const ov = R[v] * cols, ow = R[v + 1] * cols;
          let d0 = 0, d1 = 0;
          for (let t = 0; t < cols; t++) { const x = data[ou + t]; d0 += x * data[ov + t]; d1 += x * data[ow + t]; }
          acc[v] = d0; acc[v + 1] = d1;
        }
        for (; v < q; v++) {
          const ov = R[v] * cols;
          let dot = 0;
          for (let t = 0; t < cols; t++) dot += data[ou + t] * data[ov + t];
          acc[v] = dot;
        }
      } else this.sparseRow(R, u);
      for (let v = u + 1; v < q; v++) {
        const iv = R[v];
        const val = kernelValue(nu + norms[iv] - 2 * acc[v], inv, gw, lw, disc, yu === y[iv]);
        AR[u * q + v] = val; AR[v * q + u] = val;
      }
    }
    if (s.csr) this.clearLists(R);
  }

  /**
   * Builds the block's column lists in CSC form: every column that occurs in the q rows gets a
   * slot, its entries (row in block, value) are contiguous with the rows ascending, and
   * `self[e]` is the position of entry e (row v's non-zeros in order) in its column's list.
   */
  private sparseDots(R: Int32Array): void {
    const { indptr, indices, values } = this.src.csr!, slot = this.slotOf!, q = this.q;
    let total = 0;
    for (let v = 0; v < q; v++) total += indptr[R[v] + 1] - indptr[R[v]];
    if (this.eRow.length < total) {
      const cap = total * 2;
      this.eRow = new Int32Array(cap); this.eVal = new Float32Array(cap); this.eSelf = new Int32Array(cap);
      this.cols = new Int32Array(cap); this.start = new Int32Array(cap + 1);
    }
    const eRow = this.eRow, eVal = this.eVal, self = this.eSelf, cols = this.cols, start = this.start;
    // slots and counts
    let nc = 0;
    for (let v = 0; v < q; v++) {
      for (let p = indptr[R[v]], pe = indptr[R[v] + 1]; p < pe; p++) {
        const c = indices[p];
        if (slot[c] < 0) { slot[c] = nc; cols[nc] = c; start[++nc] = 0; }
        start[slot[c] + 1]++;
      }
    }
    start[0] = 0;
    for (let t = 0; t < nc; t++) start[t + 1] += start[t];
    // fill in row order (so every list is ascending in v); start[] is advanced and restored
    let e = 0;
    for (let v = 0; v < q; v++) {
      for (let p = indptr[R[v]], pe = indptr[R[v] + 1]; p < pe; p++, e++) {
        const t = start[slot[indices[p]]]++;
        eRow[t] = v; eVal[t] = values[p]; self[e] = t;
      }
    }
    for (let t = nc; t > 0; t--) start[t] = start[t - 1];
    start[0] = 0;
    this.nSlots = nc;
  }

  /** acc[v] = <x_u, x_v> for v > u: the tail of every column list after u's own entry. */
  private sparseRow(R: Int32Array, u: number): void {
    const { indptr, indices, values } = this.src.csr!, slot = this.slotOf!, acc = this.acc, q = this.q;
    const eRow = this.eRow, eVal = this.eVal, self = this.eSelf, start = this.start;
    for (let v = u + 1; v < q; v++) acc[v] = 0;
    let e = 0;
    for (let v = 0; v < u; v++) e += indptr[R[v] + 1] - indptr[R[v]];
    const iu = R[u];
    for (let p = indptr[iu], pe = indptr[iu + 1]; p < pe; p++, e++) {
      const xu = values[p];
      for (let t = self[e] + 1, te = start[slot[indices[p]] + 1]; t < te; t++) acc[eRow[t]] += xu * eVal[t];
    }
  }

  private clearLists(R: Int32Array): void {
    const slot = this.slotOf!;
    for (let t = 0; t < this.nSlots; t++) slot[this.cols[t]] = -1;
  }
}

/**
 * The local problem's Gram form from AR = A[R, R] (q = m + 1, symmetric, row 0 = column j):
 * H = A_S^T A_S (m x m, Float32), b = A_S^T a_j, returns c = a_j . a_j. AR being symmetric,
 * column r of A_S is row r + 1 of AR, so every entry is a dot product of two contiguous rows,
 * summed sequentially over r in float64 (2 x 2 register tiles: four sums share the loads).
 */
export function localGram(AR: Float64Array, q: number, H: Float32Array, b: Float64Array): number {
  const m = q - 1;
  let c = 0;
  for (let r = 0; r < q; r++) c += AR[r] * AR[r];
  for (let u = 0; u < m; u++) {
    const ou = (u + 1) * q;
    let s = 0;
    for (let r = 0; r < q; r++) s += AR[ou + r] * AR[r];
    b[u] = s;
  }
  let u = 0;
  for (; u + 1 < m; u += 2) {
    const o0 = (u + 1) * q, o1 = o0 + q;
    let v = u;
    for (; v + 1 < m; v += 2) {
      const p0 = (v + 1) * q, p1 = p0 + q;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let r = 0; r < q; r++) {
        const x0 = AR[o0 + r], x1 = AR[o1 + r], y0 = AR[p0 + r], y1 = AR[p1 + r];
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      H[u * m + v] = s00; H[v * m + u] = s00;
      H[u * m + v + 1] = s01; H[(v + 1) * m + u] = s01;
      H[(u + 1) * m + v] = s10; H[v * m + u + 1] = s10;
      H[(u + 1) * m + v + 1] = s11; H[(v + 1) * m + u + 1] = s11;
    }
    for (; v < m; v++) {
      const p0 = (v + 1) * q;
      let s0 = 0, s1 = 0;
      for (let r = 0; r < q; r++) { const yv = AR[p0 + r]; s0 += AR[o0 + r] * yv; s1 += AR[o1 + r] * yv; }
      H[u * m + v] = s0; H[v * m + u] = s0; H[(u + 1) * m + v] = s1; H[v * m + u + 1] = s1;
    }
  }
  for (; u < m; u++) {
    const o0 = (u + 1) * q;
    for (let v = u; v < m; v++) {
      const p0 = (v + 1) * q;
      let s = 0;
      for (let r = 0; r < q; r++) s += AR[o0 + r] * AR[p0 + r];
      H[u * m + v] = s; H[v * m + u] = s;
    }
  }
  return c;
}
