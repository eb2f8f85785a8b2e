import { KnnkitError, checkInteger, checkNumber, invalidParam } from '../core/errors.js';
import { toDense, denseMatrix, type DenseInput, type DenseMatrix } from '../core/matrix.js';
import { Rng } from '../core/rng.js';
import { loadEmbedded, defaultImports, ensureMemory } from '../wasm/loader.js';
import * as kmeansWasm from '../wasm/generated/kmeans.js';

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
}

/** One Lloyd run's record. */
interface Run { centers: Float32Array; objective: number[]; nIter: number; repairs: number }

/**
 * k-means clustering with scikit-learn's surface (fit / predict / clusterCenters / inertia /
 * labels) and FAISS's training: Lloyd iterations whose assignment step is knnkit's blocked
 * WebAssembly brute-force scan over the centres (k = 1, exact), empty clusters repaired by
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
      const run = lloyd(train, c0, k, this.maxIter, tolAbs, rng);
      const { labels, inertia } = labelsInertia(m, run.centers, k);
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
    return assign(toDense(X, { name: 'X', cols: c.cols }), c.data, this.nClusters).labels;
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

/**
 * FAISS-style training of k centres (the IVF coarse quantiser and the PQ codebooks): a sample
 * of at most maxPointsPerCentroid * k rows, `init` centres (random distinct rows by default),
 * niter Lloyd iterations with empty-cluster repair. Returns the k x d centres.
 */
export function trainCentroids(X: DenseMatrix, k: number, opts: { niter: number; seed: number; maxPointsPerCentroid?: number; init?: 'random' | 'k-means++' }): Float32Array {
  if (X.rows < k) throw new KnnkitError('sample', `sample: ${X.rows} rows cannot train ${k} centres; expected at least ${k} rows`);
  const rng = new Rng(opts.seed);
  const train = sampleRows(X, (opts.maxPointsPerCentroid ?? 256) * k, rng);
  const c0 = opts.init === 'k-means++' ? kmeansPlusPlus(train, k, rng) : randomInit(train, k, rng);
  return lloyd(train, c0, k, opts.niter, 0, rng).centers;
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

function sqDist(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) { const v = a[ao + t] - b[bo + t]; s += v * v; }
  return s;
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
export function assign(X: DenseMatrix, centers: Float32Array, k: number): { labels: Int32Array; dist: Float64Array } {
  const d = X.cols;
  const labels = assignNearest(X.data, X.rows, d, centers, k);
  const dist = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) dist[i] = sqDist(X.data, i * d, centers, labels[i] * d, d);
  return { labels, dist };
}

interface KMeansExports {
  memory: WebAssembly.Memory;
  assign(X: number, n: number, d: number, panels: number, nPanels: number, norms: number, out: number, blockPanels: number, state: number): void;
  scores(X: number, n: number, d: number, panels: number, nPanels: number, norms: number, out: number, blockPanels: number): void;
}
let kernel: { module: WebAssembly.Module; ex: KMeansExports } | null = null;

function kmeansKernel(): KMeansExports | null {
  const loaded = loadEmbedded('kmeans', kmeansWasm);
  if (!loaded) return null;
  if (kernel?.module !== loaded.module) {
    kernel = { module: loaded.module, ex: new WebAssembly.Instance(loaded.module, defaultImports()).exports as unknown as KMeansExports };
    panelsFor = null;
  }
  return kernel.ex;
}

/** Rows per kernel call: bounds the module's memory (the rows are copied in chunk by chunk). */
const CHUNK = 4096;

/** Index of the nearest of the k centres (k x d, row-major) for each of the n rows of X. */
export function assignNearest(X: Float32Array, n: number, d: number, centers: Float32Array, k: number): Int32Array {
  const out = new Int32Array(n);
  const ex = kmeansKernel();
  if (!ex) {
    // TypeScript twin: exact float64 distances, ties to the lower centre
    for (let i = 0; i < n; i++) {
      let best = Infinity, bj = 0;
      for (let j = 0; j < k; j++) { const v = sqDist(X, i * d, centers, j * d, d); if (v < best) { best = v; bj = j; } }
      out[i] = bj;
    }
    return out;
  }
  const nPanels = Math.ceil(k / 8);
  const panelsOff = 1024, normsOff = panelsOff + nPanels * 32 * d, xOff = normsOff + nPanels * 32;
  const rows = Math.min(n, CHUNK), outOff = xOff + rows * d * 4;
  // the rows' running minima between centre blocks: 64 bytes per row (4-row groups, padded)
  const stateOff = outOff + ((rows * 4 + 63) & ~63);
  ensureMemory(ex.memory, stateOff + (rows + 4) * 64);
  // centre blocks of at most 256 KiB of panels, as the brute-force kernel's base blocks: half
  // of this machine kind's 512 KiB L2, so a block stays there while every row quad sweeps it
  const blockPanels = Math.max(1, Math.floor(262144 / (d * 32)));
  const mem = ex.memory.buffer;
  panelsFor = null;
  const P = new Float32Array(mem, panelsOff, nPanels * 8 * d), N = new Float32Array(mem, normsOff, nPanels * 8);
  // panel g, value t, lane l: -2 c_{8g+l}[t]; padding centres never win (norm +Infinity)
  P.fill(0); N.fill(Infinity);
  for (let j = 0; j < k; j++) {
    const g = j >> 3, l = j & 7;
    let s = 0;
    for (let t = 0; t < d; t++) { const v = centers[j * d + t]; P[(g * d + t) * 8 + l] = -2 * v; s += v * v; }
    N[j] = s;
  }
  const Xm = new Float32Array(mem, xOff, rows * d), Om = new Int32Array(mem, outOff, rows);
  for (let i0 = 0; i0 < n; i0 += CHUNK) {
    const r = Math.min(CHUNK, n - i0);
    Xm.set(X.subarray(i0 * d, (i0 + r) * d));
    ex.assign(xOff, r, d, panelsOff, nPanels, normsOff, outOff, blockPanels, stateOff);
    out.set(Om.subarray(0, r), i0);
  }
  return out;
}

/**
 * Which centres the module's panels hold for `nearestCentres` (their array, not a copy: callers
 * pass centres they no longer modify, as the coarse quantiser's); `assignNearest` overwrites the
 * panels and clears it.
 */
let panelsFor: { centers: Float32Array; kind: 'l2' | 'ip'; k: number; d: number } | null = null;

/** Rows per `scores` call: a chunk's score matrix (rows x k f32) stays within a few MB. */
const SCORE_CHUNK = 256;

/**
 * The `nprobe` nearest of k centres for each of the n rows of X, nearest first (ties to the
 * lower centre), and their scores, row-major n x nprobe: squared L2 (kind 'l2', computed as
 * ||x||^2 + ||c||^2 - 2 <x, c> in float32, as FAISS's IndexFlatL2 quantiser does), or 1 - <x, c>
 * (kind 'ip'). The scores come from the WebAssembly tile kernel (assembly/kmeans.ts `scores`),
 * each row's best kept by a sorted insertion; null when WebAssembly is off (the caller falls
 * back to the exact brute-force engine).
 */
export function nearestCentres(X: Float32Array, n: number, d: number, centers: Float32Array, k: number, nprobe: number, kind: 'l2' | 'ip'): { lists: Int32Array; scores: Float32Array } | null {
  const ex = kmeansKernel();
  if (!ex) return null;
  const np = Math.min(nprobe, k);
  const nPanels = Math.ceil(k / 8), kp = nPanels * 8;
  const panelsOff = 1024, normsOff = panelsOff + nPanels * 32 * d, xOff = normsOff + nPanels * 32;
  const rows = Math.min(n, SCORE_CHUNK), outOff = xOff + ((rows * d * 4 + 15) & ~15);
  ensureMemory(ex.memory, outOff + rows * kp * 4);
  const blockPanels = Math.max(1, Math.floor(262144 / (d * 32)));
  const mem = ex.memory.buffer;
  // the panels stay in the module between calls on the same centres (a single query's probe
  // would otherwise rebuild 1,024 x 128 panels for one row of scores)
  if (panelsFor?.centers !== centers || panelsFor.kind !== kind || panelsFor.k !== k || panelsFor.d !== d) {
    const P = new Float32Array(mem, panelsOff, nPanels * 8 * d), N = new Float32Array(mem, normsOff, kp);
    // l2: panels -2 c and norms ||c||^2; ip: panels -c and norms 1 (score 1 - <x, c>); padding
    // centres score +Infinity and are never kept
    const w = kind === 'l2' ? -2 : -1;
    P.fill(0); N.fill(Infinity);
    for (let j = 0; j < k; j++) {
      const g = j >> 3, l = j & 7;
      let s = 0;
      for (let t = 0; t < d; t++) { const v = centers[j * d + t]; P[(g * d + t) * 8 + l] = w * v; s += v * v; }
      N[j] = kind === 'l2' ? s : 1;
    }
    panelsFor = { centers, kind, k, d };
  }
  const lists = new Int32Array(n * np).fill(-1), scores = new Float32Array(n * np).fill(Infinity);
  const Xm = new Float32Array(mem, xOff, rows * d), S = new Float32Array(mem, outOff, rows * kp);
  for (let i0 = 0; i0 < n; i0 += SCORE_CHUNK) {
    const r = Math.min(SCORE_CHUNK, n - i0);
    Xm.set(X.subarray(i0 * d, (i0 + r) * d));
    ex.scores(xOff, r, d, panelsOff, nPanels, normsOff, outOff, blockPanels);
    for (let i = 0; i < r; i++) {
      let xx = 0;
      if (kind === 'l2') for (let t = (i0 + i) * d, e = t + d; t < e; t++) xx += X[t] * X[t];
      const o = (i0 + i) * np, so = i * kp;
      let filled = 0, worst = Infinity;
      for (let j = 0; j < k; j++) {
        const v = S[so + j];
        // strictly better than the current nprobe-th only: on equal scores the lower centre stays
        if (filled === np && !(v < worst)) continue;
        let pos = filled < np ? filled++ : np - 1;
        while (pos > 0 && v < scores[o + pos - 1]) { scores[o + pos] = scores[o + pos - 1]; lists[o + pos] = lists[o + pos - 1]; pos--; }
        scores[o + pos] = v; lists[o + pos] = j;
        worst = scores[o + np - 1];
      }
      // squared L2 = ||x||^2 + score, clamped at 0 against float32 cancellation
      if (kind === 'l2') for (let t = o; t < o + filled; t++) scores[t] = Math.max(0, Math.fround(scores[t] + xx));
    }
  }
  return { lists, scores };
}

function labelsInertia(X: DenseMatrix, centers: Float32Array, k: number): { labels: Int32Array; inertia: number } {
  const { labels, dist } = assign(X, centers, k);
  let s = 0;
  for (let i = 0; i < dist.length; i++) s += dist[i];
  return { labels, inertia: s };
}

/** Lloyd's iterations from centres c (updated in place, returned in the run). */
function lloyd(X: DenseMatrix, c: Float32Array, k: number, maxIter: number, tolAbs: number, rng: Rng): Run {
  const n = X.rows, d = X.cols, data = X.data;
  const sums = new Float64Array(k * d), counts = new Float64Array(k);
  const objective: number[] = [];
  let prev: Int32Array | null = null, repairs = 0, it = 0;
  while (it < maxIter) {
    it++;
    const { labels, dist } = assign(X, c, k);
    let obj = 0;
    for (let i = 0; i < n; i++) obj += dist[i];
    objective.push(obj);
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
  return { centers: c, objective, nIter: it, repairs };
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
