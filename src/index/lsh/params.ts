import type { DenseMatrix } from '../../core/matrix.js';
import { KnnkitError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Metric } from '../../metrics/types.js';
import { hyperplaneCollision, pStableCollision } from './hash-family.js';
import type { LshSettings } from './lsh-core.js';

export type LshMode = 'simhash' | 'pstable' | 'faiss';

/** What the user asked for (unset = derived from the first batch of data). */
export type LshRequest = Partial<Omit<LshSettings, 'mode'>> & { mode: LshMode | 'auto' };

/** Metrics each mode hashes (the LSH family must match the distance it stands for). */
export const MODE_METRICS: Record<LshMode, readonly string[]> = {
  simhash: ['cosine'],
  pstable: ['euclidean', 'sqeuclidean'],
  faiss: ['cosine', 'euclidean', 'sqeuclidean'],
};

/** The mode "auto" picks: hyperplanes for cosine, p-stable for Euclidean. */
export function autoMode(metric: Metric): LshMode {
  return metric.name === 'cosine' ? 'simhash' : 'pstable';
}

export function checkModeMetric(mode: LshMode, metric: Metric): void {
  if (!MODE_METRICS[mode].includes(metric.name)) {
    throw new KnnkitError('mode', `mode: got ${JSON.stringify(mode)} with metric ${JSON.stringify(metric.name)}; "${mode}" hashes ${MODE_METRICS[mode].join(' / ')} (use "simhash" for cosine, "pstable" for euclidean)`);
  }
}

/** Expected far collisions per bucket the derived K aims at: n p_far^K = BUCKET_TARGET. */
export const BUCKET_TARGET = 32;
/** Derived p-stable width: w = W_FACTOR x the median distance to the 10th neighbour (E2LSH uses w = 4 R). */
export const W_FACTOR = 4;

/** Distances that set the derived parameters: the 10th-neighbour radius r and the median pair distance D. */
export interface DataScale { r: number; D: number }

/**
 * r and D measured exactly from up to 32 sampled rows against every row (angles in radians for
 * the hyperplane mode, Euclidean distances otherwise). O(32 n d).
 */
export function dataScale(data: DenseMatrix, angular: boolean, seed: number): DataScale {
  const n = data.rows, d = data.cols, X = data.data, rng = new Rng(seed ^ 0x5bd1e995);
  const s = Math.min(n, n > 20000 ? 16 : 32), kth = Math.min(10, n - 1);
  const radii: number[] = [], meds: number[] = [];
  const dist = new Float64Array(n);
  for (let t = 0; t < s; t++) {
    const q = rng.int(n);
    let nq = 0;
    for (let j = 0; j < d; j++) nq += X[q * d + j] * X[q * d + j];
    for (let i = 0; i < n; i++) {
      let acc = 0, ni = 0;
      if (angular) {
        for (let j = 0; j < d; j++) { acc += X[q * d + j] * X[i * d + j]; ni += X[i * d + j] * X[i * d + j]; }
        const c = nq === 0 || ni === 0 ? 0 : acc / Math.sqrt(nq * ni);
        dist[i] = Math.acos(Math.max(-1, Math.min(1, c)));
      } else {
        for (let j = 0; j < d; j++) { const u = X[q * d + j] - X[i * d + j]; acc += u * u; }
        dist[i] = Math.sqrt(acc);
      }
    }
    dist[q] = Infinity; // the row itself is not its neighbour
    const sorted = dist.slice().sort();
    if (kth > 0) radii.push(sorted[kth - 1]);
    meds.push(sorted[Math.floor((n - 1) / 2)]);
  }
  const med = (a: number[]) => { const b = a.slice().sort((x, y) => x - y); return b.length ? b[Math.floor(b.length / 2)] : 0; };
  return { r: med(radii), D: med(meds) };
}

/** K such that a table's bucket holds about BUCKET_TARGET far points: n p_far^K = BUCKET_TARGET. */
export function bitsFor(n: number, pFar: number, max: number): number {
  if (!(pFar > 0 && pFar < 1)) return max;
  const K = Math.round(Math.log(Math.max(1, n / BUCKET_TARGET)) / Math.log(1 / pFar));
  return Math.max(1, Math.min(max, K));
}

/** Settings after filling what the user left unset from the first batch of data. */
export function deriveParams(data: DenseMatrix, metric: Metric, req: LshRequest): LshSettings {
  const mode = req.mode === 'auto' ? autoMode(metric) : req.mode;
  checkModeMetric(mode, metric);
  const seed = req.seed ?? 1, tables = req.tables ?? 16, d = data.cols;
  if (mode === 'faiss') {
    return { mode, tables, bits: req.bits ?? Math.min(4096, 2 * d), w: 0, seed, trainThresholds: req.trainThresholds ?? false };
  }
  if (mode === 'simhash') {
    if (req.bits !== undefined && req.bits > 32) throw new KnnkitError('bits', `bits: got ${req.bits}; the "simhash" mode keys a bucket by at most 32 bits (use more tables instead)`);
    let bits = req.bits;
    if (bits === undefined) {
      const sc = dataScale(data, true, seed);
      bits = bitsFor(data.rows, hyperplaneCollision(sc.D), 32);
    }
    return { mode, tables, bits, w: 0, seed, trainThresholds: false };
  }
  let w = req.w, bits = req.bits;
  if (w === undefined || bits === undefined) {
    const sc = dataScale(data, false, seed);
    if (w === undefined) w = sc.r > 0 ? W_FACTOR * sc.r : sc.D > 0 ? sc.D : 1;
    if (bits === undefined) bits = bitsFor(data.rows, pStableCollision(sc.D, w), 64);
  }
  return { mode, tables, bits, w, seed, trainThresholds: false };
}
