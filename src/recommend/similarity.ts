import { KnnkitError, checkInteger, checkNumber, checkOneOf } from '../core/errors.js';
import type { Baselines } from './baselines.js';
import type { RatingMatrix, Sides } from './matrix.js';
import { rowMeans, sides } from './matrix.js';

/**
 * Similarities between users (user-based) or items (item-based), computed on the co-rated
 * entries only, as Surprise's similarities.pyx:
 *
 *   msd:              1 / (sum_{common} (r_x - r_x')^2 / |common| + 1)
 *   cosine:           sum r_x r_x' / sqrt(sum r_x^2 * sum r_x'^2)           (sums over common)
 *   pearson:          (n sum r_x r_x' - sum r_x sum r_x') / sqrt((n sum r_x^2 - (sum r_x)^2)(n sum r_x'^2 - (sum r_x')^2))
 *   pearson-baseline: cosine of the residuals r - b (b = mu + b_x + b_y), times (n - 1) / (n - 1 + shrinkage)
 *                     (Koren 2010 / Recommender Systems Handbook 5.4.1; support at least 2)
 *   adjusted-cosine:  cosine of the residuals r - mean of the other side (Sarwar et al. 2001: for
 *                     items, each rating minus its user's mean); not in Surprise
 *
 * n = |common| (the support); below `minSupport` the similarity is 0. A zero denominator gives 0
 * (Surprise: 0 for pearson; for cosine and pearson-baseline it would divide by zero).
 * Implicit (binary) data: `cosine` is the cosine of the full binary vectors,
 * |common| / sqrt(|x| |x'|), and `jaccard` |common| / |x union x'|; the co-rated measures are
 * meaningless on all-ones data and refused.
 */
export const SIMILARITIES = ['msd', 'cosine', 'pearson', 'pearson-baseline', 'adjusted-cosine', 'jaccard'] as const;
export type SimilarityName = (typeof SIMILARITIES)[number];

export interface SimilarityOptions {
  /** Default 'msd' (Surprise's default). */
  similarity?: SimilarityName;
  /** Compare users (true, default, as Surprise) or items. */
  userBased?: boolean;
  /** Fewest common ratings for a non-zero similarity (default 1; pearson-baseline uses at least 2). */
  minSupport?: number;
  /** pearson-baseline shrinkage (default 100). */
  shrinkage?: number;
}

export interface ResolvedSimilarityOptions { similarity: SimilarityName; userBased: boolean; minSupport: number; shrinkage: number }

export function resolveSimilarityOptions(o: SimilarityOptions): ResolvedSimilarityOptions {
  const similarity = o.similarity === undefined ? 'msd' : checkOneOf('similarity', o.similarity, SIMILARITIES);
  if (o.userBased !== undefined && typeof o.userBased !== 'boolean') throw new KnnkitError('userBased', `userBased: got ${String(o.userBased)}; expected true or false`);
  return {
    similarity,
    userBased: o.userBased ?? true,
    minSupport: o.minSupport === undefined ? 1 : checkInteger('minSupport', o.minSupport, 0),
    shrinkage: o.shrinkage === undefined ? 100 : checkNumber('shrinkage', o.shrinkage, 0),
  };
}

/** Kernel ids: 0 msd, 1 cosine-like on (possibly transformed) values, 2 pearson, 3 binary cosine, 4 jaccard. */
export const Kernel = { Msd: 0, Cos: 1, Pearson: 2, BinCos: 3, Jaccard: 4 } as const;
export type Kernel = (typeof Kernel)[keyof typeof Kernel];

/**
 * Everything a similarity row needs, as plain typed arrays (so a worker can receive it):
 * the two sides, the values each side's kernel sees (raw ratings or residuals), and for every
 * x-side entry the position of the same rating in its y list (for the half-matrix pass).
 */
export interface SimilarityData {
  kernel: Kernel;
  nX: number;
  xPtr: Int32Array; xIdx: Int32Array; xVal: Float64Array;
  yPtr: Int32Array; yIdx: Int32Array; yVal: Float64Array;
  /** xPos[p] = q such that entry p of x's list is entry q of y's list. */
  xPos: Int32Array;
  minSupport: number;
  shrinkage: number;
}

export function similarityData(m: RatingMatrix, o: ResolvedSimilarityOptions, baselines?: Baselines): SimilarityData {
  const s: Sides = sides(m, o.userBased);
  let kernel: Kernel;
  let xVal = s.xVal, yVal = s.yVal;
  let minSupport = o.minSupport, shrinkage = 0;
  const name = o.similarity;
  if (m.implicit && name !== 'cosine' && name !== 'jaccard') {
    throw new KnnkitError('similarity', `similarity: got "${name}" on implicit (binary) data, where every rating is 1; expected "cosine" or "jaccard"`);
  }
  if (!m.implicit && name === 'jaccard') {
    throw new KnnkitError('similarity', 'similarity: "jaccard" is for implicit (binary) data; expected one of msd, cosine, pearson, pearson-baseline, adjusted-cosine for explicit ratings');
  }
  if (m.implicit) kernel = name === 'cosine' ? Kernel.BinCos : Kernel.Jaccard;
  else if (name === 'msd') kernel = Kernel.Msd;
  else if (name === 'pearson') kernel = Kernel.Pearson;
  else {
    kernel = Kernel.Cos;
    if (name === 'pearson-baseline') {
      if (!baselines) throw new KnnkitError('similarity', 'similarity: pearson-baseline needs fitted baselines');
      // residual r - (mu + b_x + b_y) on both sides (Surprise: partial_bias = mu + y_biases[y], then + x_biases[x])
      const bx = o.userBased ? baselines.bu : baselines.bi, by = o.userBased ? baselines.bi : baselines.bu;
      const mu = baselines.globalMean;
      xVal = residuals(s.xPtr, s.xIdx, s.xVal, s.nX, (x, y) => mu + bx[x] + by[y]);
      yVal = residuals(s.yPtr, s.yIdx, s.yVal, s.nY, (y, x) => mu + bx[x] + by[y]);
      minSupport = Math.max(2, minSupport);
      shrinkage = o.shrinkage;
    } else if (name === 'adjusted-cosine') {
      const yMean = rowMeans(s.yPtr, s.yVal, s.nY).mean;
      xVal = residuals(s.xPtr, s.xIdx, s.xVal, s.nX, (_x, y) => yMean[y]);
      yVal = residuals(s.yPtr, s.yIdx, s.yVal, s.nY, (y) => yMean[y]);
    }
  }
  return { kernel, nX: s.nX, xPtr: s.xPtr, xIdx: s.xIdx, xVal, yPtr: s.yPtr, yIdx: s.yIdx, yVal, xPos: positions(s), minSupport, shrinkage };
}

function residuals(ptr: Int32Array, idx: Int32Array, val: Float64Array, n: number, base: (row: number, col: number) => number): Float64Array {
  const out = new Float64Array(val.length);
  for (let a = 0; a < n; a++) for (let p = ptr[a]; p < ptr[a + 1]; p++) out[p] = val[p] - base(a, idx[p]);
  return out;
}

/** For each x-side entry, its position in the y-side lists (both hold the same ratings). */
function positions(s: Sides): Int32Array {
  const cursor = s.xPtr.slice(0, s.nX);
  const pos = new Int32Array(s.xIdx.length);
  // visiting y ascending meets each x's entries in its (y-ascending) list order
  for (let y = 0; y < s.nY; y++) {
    for (let q = s.yPtr[y]; q < s.yPtr[y + 1]; q++) pos[cursor[s.yIdx[q]]++] = q;
  }
  return pos;
}

/** Accumulators for one row: reused across rows, reset through the touched list. */
export class RowScratch {
  readonly freq: Int32Array;
  readonly a: Float64Array; readonly b: Float64Array; readonly c: Float64Array; readonly d: Float64Array; readonly e: Float64Array;
  readonly touched: Int32Array;
  constructor(n: number) {
    this.freq = new Int32Array(n); this.touched = new Int32Array(n);
    this.a = new Float64Array(n); this.b = new Float64Array(n); this.c = new Float64Array(n); this.d = new Float64Array(n); this.e = new Float64Array(n);
  }
}

/**
 * Similarities of x with the x' that share at least one rating with it, written to
 * out[outBase + x'] (and, with `mirror`, also to out[x' * nX + x]). `half` restricts x' to
 * x' > x (the full-matrix pass fills both triangles from the upper one). Entries with no
 * common rating are not written: the caller zeroes `out`. Returns the number of x' touched.
 */
export function similarityRow(D: SimilarityData, x: number, out: Float64Array, outBase: number, half: boolean, S: RowScratch): number {
  const { xPtr, xIdx, xVal, yPtr, yIdx, yVal, xPos, kernel, nX } = D;
  const { freq, a, b, c, d, e, touched } = S;
  let nt = 0;
  for (let p = xPtr[x], pe = xPtr[x + 1]; p < pe; p++) {
    const y = xIdx[p], ri = xVal[p];
    const qe = yPtr[y + 1];
    let q = half ? xPos[p] + 1 : yPtr[y];
    if (kernel === Kernel.Msd) {
      for (; q < qe; q++) {
        const x2 = yIdx[q];
        if (freq[x2]++ === 0) touched[nt++] = x2;
        const t = ri - yVal[q];
        a[x2] += t * t;
      }
    } else if (kernel === Kernel.Cos) {
      const ri2 = ri * ri;
      for (; q < qe; q++) {
        const x2 = yIdx[q], rj = yVal[q];
        if (freq[x2]++ === 0) touched[nt++] = x2;
        a[x2] += ri * rj; b[x2] += ri2; c[x2] += rj * rj;
      }
    } else if (kernel === Kernel.Pearson) {
      const ri2 = ri * ri;
      for (; q < qe; q++) {
        const x2 = yIdx[q], rj = yVal[q];
        if (freq[x2]++ === 0) touched[nt++] = x2;
        a[x2] += ri * rj; b[x2] += ri2; c[x2] += rj * rj; d[x2] += ri; e[x2] += rj;
      }
    } else {
      for (; q < qe; q++) {
        const x2 = yIdx[q];
        if (freq[x2]++ === 0) touched[nt++] = x2;
      }
    }
  }
  const minS = D.minSupport, shrink = D.shrinkage;
  const nx = xPtr[x + 1] - xPtr[x];
  for (let t = 0; t < nt; t++) {
    const x2 = touched[t];
    const n = freq[x2];
    let sim = 0;
    if (n >= minS) {
      if (kernel === Kernel.Msd) sim = 1 / (a[x2] / n + 1);
      else if (kernel === Kernel.Cos) {
        const den = Math.sqrt(b[x2] * c[x2]);
        sim = den > 0 ? a[x2] / den : 0;
        if (shrink > 0) sim *= (n - 1) / (n - 1 + shrink);
      } else if (kernel === Kernel.Pearson) {
        const num = n * a[x2] - d[x2] * e[x2];
        const den = Math.sqrt((n * b[x2] - d[x2] * d[x2]) * (n * c[x2] - e[x2] * e[x2]));
        sim = den > 0 ? num / den : 0;
      } else {
        const n2 = xPtr[x2 + 1] - xPtr[x2];
        sim = kernel === Kernel.BinCos ? n / Math.sqrt(nx * n2) : n / (nx + n2 - n);
      }
    }
    out[outBase + x2] = sim;
    if (half) out[x2 * nX + x] = sim;
    freq[x2] = 0; a[x2] = 0; b[x2] = 0; c[x2] = 0; d[x2] = 0; e[x2] = 0;
  }
  return nt;
}

/** Rows [x0, x1) of the full nX x nX matrix (upper triangle mirrored); `out` starts zeroed. */
export function similarityRows(D: SimilarityData, x0: number, x1: number, out: Float64Array, S = new RowScratch(D.nX)): void {
  for (let x = x0; x < x1; x++) {
    similarityRow(D, x, out, x * D.nX, true, S);
    out[x * D.nX + x] = 1;
  }
}

/** Work of the half-matrix pass per row (pairs visited), to cut rows into balanced chunks. */
export function rowWork(D: SimilarityData): Float64Array {
  const w = new Float64Array(D.nX);
  for (let x = 0; x < D.nX; x++) {
    let s = 0;
    for (let p = D.xPtr[x]; p < D.xPtr[x + 1]; p++) s += D.yPtr[D.xIdx[p] + 1] - D.xPos[p] - 1;
    w[x] = s;
  }
  return w;
}

/** The full similarity matrix (nX x nX, row-major, diagonal 1), single thread. */
export function similarityMatrix(D: SimilarityData): Float64Array {
  const out = new Float64Array(D.nX * D.nX);
  similarityRows(D, 0, D.nX, out);
  return out;
}
