import { KnnkitError } from '../../core/errors.js';
import { denseMatrix, type DenseMatrix } from '../../core/matrix.js';
import { trainCentroids } from '../../learn/kmeans.js';
import type { VecsStream } from './vecs-stream.js';

/**
 * DiskANN's divide and conquer (Subramanya et al. 2019, §3.4 "Indexing large datasets"): k-means
 * centres on a sample, then every point joins the partitions of its `overlap` (DiskANN: 2)
 * nearest centres, so that each partition's Vamana graph shares points with its neighbours and
 * the union of the graphs stays connected across the partition boundaries.
 *
 * `members` lists each partition's rows ascending (partition p: members[offsets[p] ..
 * offsets[p + 1])), which the gather reads as runs of consecutive rows.
 */
export interface Partitions {
  k: number;
  overlap: number;
  centroids: Float32Array;
  offsets: Int32Array;
  members: Int32Array;
}

/** Every `stride`-th row, streamed (one chunk held): the sample for the centres and the PQ codebooks. */
export function sampleRows(vs: VecsStream, max: number, chunkRows?: number): DenseMatrix {
  const stride = Math.max(1, Math.ceil(vs.n / max)), d = vs.dim;
  const rows = Math.ceil(vs.n / stride), out = new Float32Array(rows * d);
  let t = 0;
  for (const c of vs.chunks(chunkRows)) {
    // first multiple of stride at or after c.start
    for (let r = Math.ceil(c.start / stride) * stride; r < c.start + c.rows; r += stride) out.set(c.data.subarray((r - c.start) * d, (r - c.start + 1) * d), d * t++);
  }
  return denseMatrix(out.subarray(0, t * d), t, d);
}

/**
 * The `overlap` nearest of the k centres of row x (ascending distance) into out[oo ..], skipping
 * centres whose partition is full (`fill[c] >= cap`, when given): DiskANN bounds each
 * partition so that its build fits the build memory, and k-means on clustered data is uneven.
 */
export function nearestCentres(x: Float32Array, xo: number, d: number, centres: Float32Array, k: number, overlap: number, out: Int32Array, oo: number, scratch: Float64Array, fill?: Int32Array, cap = Infinity): void {
  for (let c = 0; c < k; c++) {
    if (fill && fill[c] >= cap) { scratch[c] = Infinity; continue; }
    let s = 0;
    for (let j = 0; j < d; j++) { const t = x[xo + j] - centres[c * d + j]; s += t * t; }
    scratch[c] = s;
  }
  for (let t = 0; t < overlap; t++) {
    let best = -1, bd = Infinity;
    for (let c = 0; c < k; c++) if (scratch[c] >= 0 && scratch[c] < bd) { bd = scratch[c]; best = c; }
    if (best < 0) for (let c = 0; c < k; c++) if (scratch[c] !== -1 && (best < 0 || fill![c] < fill![best])) best = c; // every partition full: the least full
    out[oo + t] = best;
    scratch[best] = -1 as number;
    if (fill) fill[best]++;
  }
}

/**
 * The partitions of a streamed input: centres trained on `sample` (k-means, `niter` Lloyd
 * iterations), then one pass over the rows assigning each to its `overlap` nearest centres
 * that are not full (capacity `slack` x the even share, default 1.25).
 * `onChunk` sees each chunk of that pass (the caller encodes PQ codes in the same read).
 */
export function partitionStream(vs: VecsStream, sample: DenseMatrix, k: number, overlap: number, o: { niter: number; seed: number; chunkRows?: number; slack?: number; onChunk?: (start: number, rows: number, data: Float32Array) => void }): Partitions {
  if (!(Number.isInteger(k) && k >= 1 && k <= sample.rows)) throw new KnnkitError('partitions', `partitions: got ${k}; expected an integer in [1, ${sample.rows}] (at most the sample's rows)`);
  if (!(Number.isInteger(overlap) && overlap >= 1 && overlap <= k)) throw new KnnkitError('overlap', `overlap: got ${overlap}; expected an integer in [1, ${k}] (partitions per point)`);
  const d = vs.dim, n = vs.n;
  const centroids = k === 1 ? meanOf(sample) : trainCentroids(sample, k, { niter: o.niter, seed: o.seed, maxPointsPerCentroid: Math.ceil(sample.rows / k) });
  const assign = new Int32Array(n * overlap), scratch = new Float64Array(k), fill = new Int32Array(k);
  // at most `slack` x the even share per partition
  const cap = Math.ceil((o.slack ?? 1.25) * n * overlap / k);
  for (const c of vs.chunks(o.chunkRows)) {
    for (let r = 0; r < c.rows; r++) nearestCentres(c.data, r * d, d, centroids, k, overlap, assign, (c.start + r) * overlap, scratch, fill, cap);
    o.onChunk?.(c.start, c.rows, c.data);
  }
  // counting sort by partition; rows stay ascending inside each partition
  const offsets = new Int32Array(k + 1);
  for (let i = 0; i < assign.length; i++) offsets[assign[i] + 1]++;
  for (let p = 0; p < k; p++) offsets[p + 1] += offsets[p];
  const at = offsets.slice(0, k), members = new Int32Array(n * overlap);
  for (let v = 0; v < n; v++) for (let t = 0; t < overlap; t++) members[at[assign[v * overlap + t]]++] = v;
  return { k, overlap, centroids, offsets, members };
}

function meanOf(X: DenseMatrix): Float32Array {
  const d = X.cols, s = new Float64Array(d);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < d; j++) s[j] += X.data[i * d + j];
  return Float32Array.from(s, (v) => v / Math.max(1, X.rows));
}
