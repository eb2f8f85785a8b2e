import { KnnkitError } from '../../core/errors.js';
import type { TopK } from '../../core/topk.js';
import { denseMatrix, type DenseMatrix } from '../../core/matrix.js';
import { assignNearest, trainCentroids } from '../../learn/kmeans.js';

/**
 * Product quantisation (Jegou, Douze & Schmid 2011, "Product quantization for nearest neighbor
 * search"): R^d is split into m sub-spaces of dsub = d / m coordinates; each has its own
 * codebook of ksub = 2^nbits centroids learnt by k-means, and a vector is coded by the index of
 * the nearest centroid in each sub-space (m bytes for nbits = 8). Distances to a query are
 * estimated by asymmetric distance computation (ADC): a per-query table of the m x ksub
 * sub-distances, then m table look-ups per code.
 *
 * centroids layout: sub-space j, centroid c at ((j * ksub) + c) * dsub (FAISS's layout).
 */
export class ProductQuantizer {
  readonly dsub: number;
  readonly ksub: number;

  constructor(readonly d: number, readonly m: number, readonly nbits: number, readonly centroids: Float32Array) {
    if (d % m !== 0) throw new KnnkitError('m', `m: got ${m}; expected a divisor of the dimension ${d}`);
    this.dsub = d / m;
    this.ksub = 1 << nbits;
    if (centroids.length !== m * this.ksub * this.dsub) throw new KnnkitError('index', `index: ${centroids.length} PQ centroid values for m = ${m}, ksub = ${this.ksub}, dsub = ${this.dsub}`);
  }

  /** Bytes per code as FAISS counts it: m * nbits / 8. */
  get codeSize(): number { return Math.ceil(this.m * this.nbits / 8); }

  /**
   * Learns the m codebooks, each by k-means on its columns of X (FAISS: 25 iterations, 256 points
   * per centroid), its assignment passes on `threads` threads (the same codebooks whatever the count).
   */
  static train(X: DenseMatrix, m: number, nbits: number, opts: { niter: number; seed: number; maxPointsPerCentroid: number; threads?: number }): ProductQuantizer {
    const d = X.cols;
    if (d % m !== 0) throw new KnnkitError('m', `m: got ${m}; expected a divisor of the dimension ${d}`);
    const ksub = 1 << nbits, dsub = d / m;
    if (X.rows < ksub) throw new KnnkitError('sample', `sample: ${X.rows} rows cannot train ${ksub} centroids per sub-quantiser (nbits = ${nbits}); expected at least ${ksub} rows`);
    const centroids = new Float32Array(m * ksub * dsub);
    for (let j = 0; j < m; j++) {
      const sub = subColumns(X, j * dsub, dsub);
      centroids.set(trainCentroids(sub, ksub, { niter: opts.niter, seed: opts.seed + j, maxPointsPerCentroid: opts.maxPointsPerCentroid, threads: opts.threads }), j * ksub * dsub);
    }
    return new ProductQuantizer(d, m, nbits, centroids);
  }

  /**
   * Codes of the rows of X (n x m bytes, one sub-code per byte): the nearest centroid per
   * sub-space, by k-means' assignment kernel (assembly/kmeans.ts; exact TypeScript twin).
   */
  encode(X: DenseMatrix): Uint8Array {
    const n = X.rows, m = this.m, dsub = this.dsub, ksub = this.ksub;
    const out = new Uint8Array(n * m);
    for (let j = 0; j < m; j++) {
      const lab = assignNearest(subColumns(X, j * dsub, dsub).data, n, dsub, this.centroids.subarray(j * ksub * dsub, (j + 1) * ksub * dsub), ksub);
      for (let i = 0; i < n; i++) out[i * m + j] = lab[i];
    }
    return out;
  }

  /** The reconstruction of one code into out[oo ..oo + d). */
  decode(code: Uint8Array, co: number, out: Float32Array, oo: number): void {
    const dsub = this.dsub, ksub = this.ksub;
    for (let j = 0; j < this.m; j++) {
      const c = ((j * ksub) + code[co + j]) * dsub;
      for (let t = 0; t < dsub; t++) out[oo + j * dsub + t] = this.centroids[c + t];
    }
  }

  /** ADC table for L2: lut[j * ksub + c] = ||q_j - centroid_jc||^2 (q at q[qo ..]). */
  lutL2(q: Float32Array, qo: number, lut: Float32Array): void {
    const dsub = this.dsub, ksub = this.ksub, C = this.centroids;
    for (let j = 0; j < this.m; j++) {
      const qj = qo + j * dsub;
      for (let c = 0; c < ksub; c++) {
        const o = (j * ksub + c) * dsub;
        let s = 0;
        for (let t = 0; t < dsub; t++) { const v = q[qj + t] - C[o + t]; s += v * v; }
        lut[j * ksub + c] = s;
      }
    }
  }

  /** ADC table for inner products: lut[j * ksub + c] = scale * <q_j, centroid_jc>. */
  lutIp(q: Float32Array, qo: number, lut: Float32Array, scale: number): void {
    const dsub = this.dsub, ksub = this.ksub, C = this.centroids;
    for (let j = 0; j < this.m; j++) {
      const qj = qo + j * dsub;
      for (let c = 0; c < ksub; c++) {
        const o = (j * ksub + c) * dsub;
        let s = 0;
        for (let t = 0; t < dsub; t++) s += q[qj + t] * C[o + t];
        lut[j * ksub + c] = scale * s;
      }
    }
  }
}

/** Columns [c0, c0 + w) of X as their own n x w matrix. */
function subColumns(X: DenseMatrix, c0: number, w: number): DenseMatrix {
  const n = X.rows, d = X.cols, out = new Float32Array(n * w);
  for (let i = 0; i < n; i++) for (let t = 0; t < w; t++) out[i * w + t] = X.data[i * d + c0 + t];
  return denseMatrix(out, n, w);
}

/** The ADC scan of one list: bias + sum_j lut[j * ksub + code_j] per entry, into the heap. */
export function scanAdc(lut: Float32Array, bias: number, codes: Uint8Array, labels: Int32Array, n: number, m: number, ksub: number, mask: Uint8Array | null, heap: TopK): void {
  const m4 = m & ~3;
  for (let p = 0; p < n; p++) {
    const label = labels[p];
    if (mask !== null && mask[label] === 0) continue;
    const o = p * m;
    let s0 = bias, s1 = 0, s2 = 0, s3 = 0, j = 0;
    for (; j < m4; j += 4) {
      s0 += lut[j * ksub + codes[o + j]];
      s1 += lut[(j + 1) * ksub + codes[o + j + 1]];
      s2 += lut[(j + 2) * ksub + codes[o + j + 2]];
      s3 += lut[(j + 3) * ksub + codes[o + j + 3]];
    }
    for (; j < m; j++) s0 += lut[j * ksub + codes[o + j]];
    const s = s0 + s1 + s2 + s3;
    if (s <= heap.worst()) heap.push(s, label);
  }
}
