import { KnnkitError, checkInteger, checkNumber, invalidParam } from '../core/errors.js';
import { toDense, denseMatrix, type DenseInput, type DenseMatrix } from '../core/matrix.js';
import { Rng } from '../core/rng.js';
import { defaultThreads } from '../parallel/index.js';
import { assignNearest, assignNearestTs, nearestCentres, sqDist } from './kmeans-kernel.js';
import { ParallelAssigner } from './kmeans-parallel.js';
import { YinyangAssigner } from './kmeans-yinyang.js';

export { assignNearest, nearestCentres };

/**
 * Lloyd's assignment step: 'lloyd' scores every centre for every row each pass; 'yinyang'
 * (kmeans-yinyang.ts) skips the centres that bounds rule out, with the same labels bit for bit
 * (WebAssembly only: without it 'lloyd' runs); 'auto' (default) takes yinyang from k >= 64 and
 * d >= 32 while its bounds (n k / 10 float64) fit in 256 MiB. Below d 32 its per-row
 * bookkeeping outweighs the scores it saves (PQ codebooks, d = 8, k = 256, 65,536 rows, 25
 * passes: 0.53-0.71 CPU s against 0.38-0.42 plain, even at 1 % scored).
 */
export type KMeansAlgorithm = 'auto' | 'lloyd' | 'yinyang';

/** How the first centres are chosen: greedy k-means++ (scikit-learn's), FAISS's random rows, or given centres. */
export type KMeansInit = 'k-means++' | 'random' | DenseInput;

export interface KMeansParams {
  /** k, the number of clusters (scikit-learn's n_clusters). Default 8. */
  nClusters?: number;
  /** Default 'k-means++'. */
  init?: KMeansInit;
  /** Independent runs, the best inertia kept. Default 1 (k-means++ or given centres), 10 ('random'): scikit-learn's 'auto'. */
  nInit?: number;
  /** Lloyd iterations per run (scikit-learn 300; FAISS's IVF trainer uses 10). */
  maxIter?: number;
  /** Converged when the total squared centre shift is <= tol * mean per-feature variance (scikit-learn's rule). Default 1e-4. */
  tol?: number;
  /** Seed of every random draw (sampling, initialisation, empty-cluster repair). Default 0. */
  seed?: number;
  /**
   * Training uses at most maxPointsPerCentroid * k rows, sampled without replacement (FAISS's
   * default 256); Infinity trains on every row. Labels and inertia always cover every row of X.
   */
  maxPointsPerCentroid?: number;
  /**
   * Threads of the assignment step (the calling thread and threads - 1 workers of the shared
   * pool, rows split between them, kmeans-parallel.ts). Default: every core. The results are
   * the same whatever the count. Node only; 1 elsewhere.
   */
  threads?: number;
  /** The assignment step's algorithm (scikit-learn's `algorithm`): same results whichever. Default 'auto'. */
  algorithm?: KMeansAlgorithm;
}

/** One Lloyd run's record. */
interface Run { centers: Float32Array; objective: number[]; nIter: number; repairs: number; finalLabels: Int32Array | null }

/**
 * k-means clustering with scikit-learn's surface (fit / predict / clusterCenters / inertia /
 * labels) and FAISS's training: Lloyd iterations whose assignment step is the k-means tile
 * kernel (kmeans-kernel.ts; on `threads` threads, kmeans-parallel.ts), empty clusters repaired by
 * splitting a large cluster (FAISS Clustering::train: cluster cj picked with probability
 * (n_j - 1) / (n - k), its centre copied and both copies pushed apart by a factor 1 +- 1/1024
 * on alternate coordinates), and training on a sample of at most maxPointsPerCentroid * k rows.
 *
 * `objective` holds, per iteration, the sum of squared distances of the training rows to their
 * nearest centre before that iteration's update (FAISS's `obj`): it never increases except
 * through an empty-cluster repair (`repairs` counts them).
 */
export class KMeans {
  readonly nClusters: number;
  readonly init: KMeansInit;
  readonly nInit: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly seed: number;
  readonly maxPointsPerCentroid: number;
  readonly threads: number;
  readonly algorithm: KMeansAlgorithm;
  private centers_: DenseMatrix | null = null;
  private labels_: Int32Array | null = null;
  private inertia_ = NaN;
  private nIter_ = 0;
  private objective_: number[] = [];
  private repairs_ = 0;

  constructor(params: KMeansParams = {}) {
    this.nClusters = checkInteger('nClusters', params.nClusters ?? 8, 1);
    this.init = params.init ?? 'k-means++';
    if (typeof this.init === 'string' && this.init !== 'k-means++' && this.init !== 'random') throw invalidParam('init', this.init, '"k-means++", "random" or a matrix of initial centres');
    const auto = this.init === 'random' ? 10 : 1;
    this.nInit = checkInteger('nInit', params.nInit ?? auto, 1);
    this.maxIter = checkInteger('maxIter', params.maxIter ?? 300, 1);
    this.tol = checkNumber('tol', params.tol ?? 1e-4, 0);
    this.seed = checkInteger('seed', params.seed ?? 0, 0, 0xffffffff);
    const mp = params.maxPointsPerCentroid ?? 256;
    if (!(mp === Infinity || (Number.isInteger(mp) && mp >= 1))) throw invalidParam('maxPointsPerCentroid', mp, 'an integer >= 1 or Infinity');
    this.maxPointsPerCentroid = mp;
    this.threads = params.threads === undefined ? defaultThreads() : checkInteger('threads', params.threads, 1, 1024);
    this.algorithm = checkAlgorithm(params.algorithm);
  }

  /** Learns the centres from the rows of X. */
  fit(X: DenseInput): this {
    const m = toDense(X, { name: 'X' });
    const n = m.rows, d = m.cols, k = this.nClusters;
    if (n < k) throw new KnnkitError('nClusters', `nClusters: got ${k}; expected at most the number of rows of X (${n})`);
    const rng = new Rng(this.seed);
    const given = typeof this.init === 'string' ? null : toDense(this.init, { name: 'init', cols: d });
    if (given && given.rows !== k) throw new KnnkitError('init', `init: got ${given.rows} centres; expected nClusters = ${k} rows of ${d} values`);
    const train = sampleRows(m, this.maxPointsPerCentroid === Infinity ? n : this.maxPointsPerCentroid * k, rng);
    const tolAbs = this.tol * meanVariance(train);
    let best: { run: Run; labels: Int32Array; inertia: number } | null = null;
    for (let r = 0; r < this.nInit; r++) {
      const c0 = given ? given.data.slice() : this.init === 'random' ? randomInit(train, k, rng) : kmeansPlusPlus(train, k, rng);
      const run = lloyd(train, c0, k, this.maxIter, tolAbs, rng, this.threads, true, this.algorithm);
      const { labels, inertia } = labelsInertia(m, run.centers, k, this.threads);
      if (!best || inertia < best.inertia) best = { run, labels, inertia };
    }
    this.centers_ = denseMatrix(best!.run.centers, k, d);
    this.labels_ = best!.labels;
    this.inertia_ = best!.inertia;
    this.nIter_ = best!.run.nIter;
    this.objective_ = best!.run.objective;
    this.repairs_ = best!.run.repairs;
    return this;
  }

  /** Index of the nearest centre of each row. */
  predict(X: DenseInput): Int32Array {
    const c = this.fitted();
    return assign(toDense(X, { name: 'X', cols: c.cols }), c.data, this.nClusters, this.threads).labels;
  }

  /** fit(X) then the labels of X. */
  fitPredict(X: DenseInput): Int32Array {
    return this.fit(X).labels;
  }

  /** Squared distance of each row to each centre (scikit-learn's transform gives distances; this is their square). */
  transformSquared(X: DenseInput): Float64Array {
    const c = this.fitted();
    const m = toDense(X, { name: 'X', cols: c.cols });
    const k = this.nClusters, d = m.cols, out = new Float64Array(m.rows * k);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = sqDist(m.data, i * d, c.data, j * d, d);
    return out;
  }

  /** k x d centres. */
  get clusterCenters(): DenseMatrix { return this.fitted(); }
  /** Cluster of each row of the fitted X. */
  get labels(): Int32Array { this.fitted(); return this.labels_!; }
  /** Sum of squared distances of every row of the fitted X to its nearest centre. */
  get inertia(): number { this.fitted(); return this.inertia_; }
  /** Lloyd iterations run by the kept run. */
  get nIter(): number { this.fitted(); return this.nIter_; }
  /** The kept run's training objective per iteration (see the class comment). */
  get objective(): readonly number[] { this.fitted(); return this.objective_; }
  /** Empty clusters repaired during the kept run. */
  get repairs(): number { this.fitted(); return this.repairs_; }

  private fitted(): DenseMatrix {
    if (!this.centers_) throw new KnnkitError('KMeans', 'KMeans: not fitted; call fit(X) first');
    return this.centers_;
  }
}

/** Options of FAISS-style training (trainCentroids). */
export interface TrainCentroidsOptions { niter: number; seed: number; maxPointsPerCentroid?: number; init?: 'random' | 'k-means++'; threads?: number; algorithm?: KMeansAlgorithm }

/**
 * FAISS-style training of k centres (the IVF coarse quantiser and the PQ codebooks): a sample
 * of at most maxPointsPerCentroid * k rows, `init` centres (random distinct rows by default),
 * niter Lloyd iterations with empty-cluster repair. Returns the k x d centres.
 */
export function trainCentroids(X: DenseMatrix, k: number, opts: TrainCentroidsOptions): Float32Array {
  return trainCentroidsLabelled(X, k, opts, false).centers;
}

/**
 * trainCentroids, and with `withLabels` the nearest of the final centres for every row of X
 * (nearestOf's labels, bit for bit) when the training ran on X itself (no sample drawn): one more
 * pass of the run's assigner, which under Yinyang's bounds scores a few per cent of the centres
 * (IVF-PQ's residuals of the training rows). Null when a sample was drawn.
 */
export function trainCentroidsLabelled(X: DenseMatrix, k: number, opts: TrainCentroidsOptions, withLabels = true): { centers: Float32Array; labels: Int32Array | null } {
  if (X.rows < k) throw new KnnkitError('sample', `sample: ${X.rows} rows cannot train ${k} centres; expected at least ${k} rows`);
  const rng = new Rng(opts.seed);
  const train = sampleRows(X, (opts.maxPointsPerCentroid ?? 256) * k, rng);
  const c0 = opts.init === 'k-means++' ? kmeansPlusPlus(train, k, rng) : randomInit(train, k, rng);
  const run = lloyd(train, c0, k, opts.niter, 0, rng, opts.threads ?? 1, false, checkAlgorithm(opts.algorithm), withLabels && train === X);
  return { centers: run.centers, labels: run.finalLabels };
}

function checkAlgorithm(a: KMeansAlgorithm | undefined): KMeansAlgorithm {
  if (a === undefined) return 'auto';
  if (a !== 'auto' && a !== 'lloyd' && a !== 'yinyang') throw invalidParam('algorithm', a, '"auto", "lloyd" or "yinyang"');
  return a;
}

/** At most `max` distinct rows of X, drawn with the seeded permutation (FAISS samples a random subset). */
function sampleRows(X: DenseMatrix, max: number, rng: Rng): DenseMatrix {
  if (X.rows <= max) return X;
  const perm = rng.permutation(X.rows), d = X.cols;
  const out = new Float32Array(max * d);
  for (let i = 0; i < max; i++) out.set(X.data.subarray(perm[i] * d, perm[i] * d + d), i * d);
  return denseMatrix(out, max, d);
}

function meanVariance(X: DenseMatrix): number {
  const n = X.rows, d = X.cols;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const v = X.data[i * d + j]; s += v; s2 += v * v; }
    const mean = s / n;
    total += Math.max(0, s2 / n - mean * mean);
  }
  return total / d;
}

/** FAISS's initialisation: k distinct rows picked at random. */
function randomInit(X: DenseMatrix, k: number, rng: Rng): Float32Array {
  const perm = rng.permutation(X.rows), d = X.cols;
  const c = new Float32Array(k * d);
  for (let j = 0; j < k; j++) c.set(X.data.subarray(perm[j] * d, perm[j] * d + d), j * d);
  return c;
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn runs it): each new centre is
 * the best of 2 + floor(ln k) candidates drawn with probability proportional to D(x)^2, "best"
 * meaning the lowest resulting potential sum_x min_c D(x, c)^2.
 */
function kmeansPlusPlus(X: DenseMatrix, k: number, rng: Rng): Float32Array {
  const n = X.rows, d = X.cols, data = X.data;
  const c = new Float32Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  c.set(data.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) { closest[i] = sqDist(data, i * d, data, first * d, d); pot += closest[i]; }
  const cum = new Float64Array(n);
  const cand = new Float64Array(n), bestD = new Float64Array(n);
  for (let j = 1; j < k; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) { s += closest[i]; cum[i] = s; }
    let bestPot = Infinity, bestIdx = -1;
    for (let t = 0; t < trials; t++) {
      const idx = s > 0 ? Math.min(n - 1, upperBound(cum, rng.random() * s)) : rng.int(n);
      let p = 0;
      for (let i = 0; i < n; i++) { const v = Math.min(closest[i], sqDist(data, i * d, data, idx * d, d)); cand[i] = v; p += v; }
      if (p < bestPot) { bestPot = p; bestIdx = idx; bestD.set(cand); }
    }
    closest.set(bestD);
    pot = bestPot;
    c.set(data.subarray(bestIdx * d, bestIdx * d + d), j * d);
  }
  void pot;
  return c;
}

/** First i with cum[i] > v (numpy's searchsorted side='right' on a cumulative sum). */
function upperBound(cum: Float64Array, v: number): number {
  let lo = 0, hi = cum.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] <= v) lo = mid + 1; else hi = mid; }
  return lo;
}

/**
 * The assignment step: each row's nearest centre and the float64 squared distance to it. The
 * nearest centre comes from the WebAssembly tile kernel (assembly/kmeans.ts: argmin of
 * ||c||^2 - 2 <x, c> in float32, 4 rows x 8 centres per register tile), or from its TypeScript
 * twin (exact float64 distances) when WebAssembly is off. The two agree except where two centres
 * are within float32 rounding of a tie (test/index/pq.test.ts bounds the difference).
 */
export function assign(X: DenseMatrix, centers: Float32Array, k: number, threads = 1, assigner?: ParallelAssigner | null): { labels: Int32Array; dist: Float64Array } {
  const d = X.cols;
  const labels = nearestOf(X, centers, k, threads, assigner);
  const dist = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) dist[i] = sqDist(X.data, i * d, centers, labels[i] * d, d);
  return { labels, dist };
}

/**
 * The nearest centre of every row of X on `threads` threads (a fresh array). `assigner`, when
 * given, is one made for X and k (Lloyd's passes reuse it: the rows are shared once).
 */
export function nearestOf(X: DenseMatrix, centers: Float32Array, k: number, threads = 1, assigner?: ParallelAssigner | null): Int32Array {
  const n = X.rows, d = X.cols;
  if (threads <= 1 && !assigner) return assignNearest(X.data, n, d, centers, k);
  const a = assigner ?? ParallelAssigner.create(X.data, n, d, k, threads);
  if (!a) { const out = new Int32Array(n); assignNearestTs(X.data, 0, n, d, centers, k, out); return out; }
  return a.assign(centers).slice();
}

function labelsInertia(X: DenseMatrix, centers: Float32Array, k: number, threads: number): { labels: Int32Array; inertia: number } {
  const { labels, dist } = assign(X, centers, k, threads);
  let s = 0;
  for (let i = 0; i < dist.length; i++) s += dist[i];
  return { labels, inertia: s };
}

/**
 * Lloyd's iterations from centres c (updated in place, returned in the run). `track` = false
 * skips the per-iteration objective (a float64 distance per row and pass, about a tenth of a
 * pass's time at d = 128): FAISS-style training (trainCentroids) never reads it.
 */
function lloyd(X: DenseMatrix, c: Float32Array, k: number, maxIter: number, tolAbs: number, rng: Rng, threads: number, track = true, algorithm: KMeansAlgorithm = 'auto', finalLabels = false): Run {
  const n = X.rows, d = X.cols, data = X.data;
  // one assigner for every pass: with threads > 1 the rows go to shared memory once
  const assigner = threads > 1 ? ParallelAssigner.create(data, n, d, k, threads) : null;
  // Yinyang's bounds (its first pass is the tile kernel's full pass, on the threads): the labels
  // of nearestOf, bit for bit, scoring a few per cent of the centres in later passes
  // (auto: also within 256 MiB of float64 group bounds, n x k/10: the training sample of
  // FAISS's default, 256 x 1,024 rows at k = 1,024, needs 214 MB)
  const bounded = algorithm === 'yinyang' || (algorithm === 'auto' && k >= 64 && d >= 32 && maxIter > 1 && n * Math.round(k / 10) * 8 <= 2 ** 28)
    ? YinyangAssigner.create(data, n, d, k, (cc) => nearestOf(X, cc, k, threads, assigner))
    : null;
  const nearest = (cc: Float32Array): Int32Array => (bounded ? bounded.assign(cc).slice() : nearestOf(X, cc, k, threads, assigner));
  const sums = new Float64Array(k * d), counts = new Float64Array(k);
  const objective: number[] = [];
  let prev: Int32Array | null = null, repairs = 0, it = 0;
  while (it < maxIter) {
    it++;
    let labels: Int32Array;
    labels = nearest(c);
    if (track) {
      let obj = 0;
      for (let i = 0; i < n; i++) obj += sqDist(data, i * d, c, labels[i] * d, d);
      objective.push(obj);
    }
    let same = prev !== null;
    if (prev) for (let i = 0; i < n && same; i++) if (prev[i] !== labels[i]) same = false;
    if (same) break; // strict convergence: the update would not move any centre
    prev = labels;
    sums.fill(0); counts.fill(0);
    for (let i = 0; i < n; i++) {
      const l = labels[i], o = l * d, io = i * d;
      counts[l]++;
      for (let t = 0; t < d; t++) sums[o + t] += data[io + t];
    }
    let shift = 0;
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) continue;
      for (let t = 0; t < d; t++) {
        const v = Math.fround(sums[j * d + t] / counts[j]);
        const dv = v - c[j * d + t];
        shift += dv * dv;
        c[j * d + t] = v;
      }
    }
    repairs += splitEmpty(c, counts, n, k, d, rng);
    if (shift <= tolAbs) break;
  }
  // the final centres' labels (the loop's last labels are those of the centres before the last update)
  return { centers: c, objective, nIter: it, repairs, finalLabels: finalLabels ? nearest(c) : null };
}

/** FAISS's empty-cluster repair (Clustering.cpp split_clusters). Returns the number repaired. */
function splitEmpty(c: Float32Array, counts: Float64Array, n: number, k: number, d: number, rng: Rng): number {
  const EPS = 1 / 1024;
  let repaired = 0;
  for (let ci = 0; ci < k; ci++) {
    if (counts[ci] !== 0) continue;
    let cj = 0;
    for (;;) {
      // probability of splitting cj: proportional to its size beyond one point
      const p = (counts[cj] - 1) / (n - k);
      if (rng.random() < p) break;
      cj = (cj + 1) % k;
    }
    c.copyWithin(ci * d, cj * d, cj * d + d);
    for (let t = 0; t < d; t++) {
      if (t % 2 === 0) { c[ci * d + t] *= 1 + EPS; c[cj * d + t] *= 1 - EPS; }
      else { c[ci * d + t] *= 1 - EPS; c[cj * d + t] *= 1 + EPS; }
    }
    counts[ci] = Math.floor(counts[cj] / 2);
    counts[cj] -= counts[ci];
    repaired++;
  }
  return repaired;
}
