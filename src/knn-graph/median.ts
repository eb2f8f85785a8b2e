import type { Matrix } from '../core/data.js';
import { csrColumns, type CsrColumns } from '../core/sparse.js';
import { medianOfSquared } from './density.js';

/*
 * sigma of Eq. 2 (the median pairwise distance) without the n x n matrix: exact or sampled,
 * dense or sparse, split into row ranges that worker threads can share (candidates mode).
 */

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

