import { KnnkitError } from '../../core/errors.js';
import { denseMatrix, type DenseMatrix } from '../../core/matrix.js';
import { nearestCentres, nearestOf, trainCentroidsLabelled } from '../../learn/kmeans.js';
import type { Metric } from '../../metrics/types.js';
import { BruteForce } from '../../search/brute-force/brute-force.js';

/**
 * How an IVF / PQ family scores: squared L2, or 1 - <q, x> for inner product, and for cosine
 * 1 - <q, x> over unit vectors (FAISS: cosine = inner product after normalisation).
 */
export type ScoreKind = 'l2' | 'ip';

/** The families' metric rule: L2, squared L2, inner product and cosine (FAISS's metrics). */
export function quantiserMetric(metric: Metric): string | null {
  const f = metric.dotForm;
  if (!f) return 'IVF and PQ indexes support euclidean, sqeuclidean, ip and cosine (FAISS: L2 and inner product, cosine by normalisation)';
  return null;
}

export function scoreKind(metric: Metric): ScoreKind {
  return metric.dotForm!.kind === 'l2' ? 'l2' : 'ip';
}

export function isCosine(metric: Metric): boolean {
  return metric.dotForm?.kind === 'cosine';
}

/** Unit-normalised copy of the rows (zero rows stay zero: cosine distance 1 to everything). */
export function normalizeRows(X: DenseMatrix): DenseMatrix {
  const d = X.cols, out = new Float32Array(X.rows * d);
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let t = i * d; t < i * d + d; t++) s += X.data[t] * X.data[t];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = i * d; t < i * d + d; t++) out[t] = X.data[t] * inv;
  }
  return denseMatrix(out, X.rows, d);
}

/**
 * The coarse quantiser of IVF (FAISS's quantizer of IndexIVF): nlist centroids trained by
 * k-means (FAISS: L2 k-means whatever the metric; spherical, i.e. centroids re-normalised, for
 * cosine), and a search over them that is knnkit's exact brute-force scan (WebAssembly SIMD):
 * nearest by L2, or by largest inner product for ip / cosine (FAISS's IndexFlatIP quantiser).
 */
export class CoarseQuantiser {
  private bf: BruteForce | null = null;
  constructor(readonly centroids: Float32Array, readonly nlist: number, readonly dim: number, readonly kind: ScoreKind) {
    if (centroids.length !== nlist * dim) throw new KnnkitError('index', `index: ${centroids.length} centroid values for ${nlist} x ${dim}`);
  }

  static train(X: DenseMatrix, nlist: number, kind: ScoreKind, spherical: boolean, opts: { niter: number; seed: number; maxPointsPerCentroid: number; threads?: number }): CoarseQuantiser {
    return CoarseQuantiser.trainLabelled(X, nlist, kind, spherical, opts, false).quantiser;
  }

  /**
   * train, and the list of every row of X (what `assign(X)` returns, bit for bit) where k-means
   * can give it for a few per cent of a pass: L2, not spherical, trained on X itself (no sample);
   * else null (the caller runs `assign`).
   */
  static trainLabelled(X: DenseMatrix, nlist: number, kind: ScoreKind, spherical: boolean, opts: { niter: number; seed: number; maxPointsPerCentroid: number; threads?: number }, withLists = true): { quantiser: CoarseQuantiser; lists: Int32Array | null } {
    const { centers: c, labels } = trainCentroidsLabelled(X, nlist, opts, withLists && kind === 'l2' && !spherical);
    if (spherical) {
      const n = normalizeRows(denseMatrix(c, nlist, X.cols));
      c.set(n.data);
    }
    return { quantiser: new CoarseQuantiser(c, nlist, X.cols, kind), lists: kind === 'l2' && !spherical ? labels : null };
  }

  private get engine(): BruteForce {
    if (!this.bf) this.bf = new BruteForce(denseMatrix(this.centroids, this.nlist, this.dim), { metric: this.kind === 'l2' ? 'sqeuclidean' : 'ip' });
    return this.bf;
  }

  /**
   * The nprobe nearest lists of each row, nearest first, and their coarse scores (squared L2,
   * or 1 - <q, c>), row-major nq x nprobe.
   */
  probe(Q: DenseMatrix, nprobe: number): { lists: Int32Array; scores: Float32Array } {
    // the k-means tile kernel's scores (FAISS's float32 quantiser distances): the brute-force
    // engine's exact float64 re-ranking of its pre-selection cost as much as the scores themselves
    const fast = nearestCentres(Q.data, Q.rows, this.dim, this.centroids, this.nlist, nprobe, this.kind);
    if (fast) return fast;
    const r = this.engine.search(Q, Math.min(nprobe, this.nlist));
    return { lists: r.indices, scores: r.distances };
  }

  /** The list of each row (its nearest centroid); L2 on `threads` threads (same lists whatever the count). */
  assign(X: DenseMatrix, threads = 1): Int32Array {
    // L2: k-means' argmin kernel (no score matrix, no per-row selection in TypeScript)
    if (this.kind === 'l2') return nearestOf(X, this.centroids, this.nlist, threads);
    return this.probe(X, 1).lists;
  }

  bytes(): number {
    return this.centroids.byteLength + (this.bf ? this.bf.memoryUsage() : 0);
  }
}

/** FAISS-like default nlist from the training sample size: about 4 sqrt(n), at least 39 training points per list. */
export function defaultNlist(n: number): number {
  return Math.max(1, Math.min(Math.round(4 * Math.sqrt(n)), Math.floor(n / 39)));
}
