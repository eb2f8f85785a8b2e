import { KnnkitError, checkInteger, checkOneOf, invalidParam } from '../core/errors.js';
import type { BaselineOptions, Baselines } from './baselines.js';
import { fitBaselines, resolveBaselineOptions } from './baselines.js';
import type { RatingMatrix, Sides } from './matrix.js';
import { ratingMatrix, rowMeans, sides } from './matrix.js';
import type { Ratings } from './ratings.js';
import type { ResolvedSimilarityOptions, SimilarityData, SimilarityName } from './similarity.js';
import { RowScratch, resolveSimilarityOptions, similarityData, similarityMatrix, similarityRow } from './similarity.js';
import { similarityMatrixParallel } from './similarity-parallel.js';
import { defaultThreads, sharedMemoryAvailable, toShared } from '../parallel/index.js';

/** Surprise's kNN prediction rules: KNNBasic, KNNWithMeans, KNNWithZScore, KNNBaseline. */
export const RULES = ['basic', 'means', 'zscore', 'baseline'] as const;
export type Rule = (typeof RULES)[number];

export interface RecommenderParams {
  /** Clip predictions into the rating scale (default true, as Surprise's predict). */
  clip?: boolean;
  /** Baseline fitting (KNNBaseline, pearson-baseline, BaselineOnly). */
  baseline?: BaselineOptions;
}

export interface KnnRecommenderParams extends RecommenderParams {
  /** Most neighbours aggregated (default 40). */
  k?: number;
  /** Fewest neighbours with a positive similarity for a neighbourhood prediction (default 1). */
  minK?: number;
  /** Prediction rule (default 'basic'). */
  rule?: Rule;
  /** User-based (default, as Surprise) or item-based. */
  userBased?: boolean;
  similarity?: SimilarityName;
  minSupport?: number;
  shrinkage?: number;
  /**
   * Largest number of users (user-based) or items (item-based) for which fit() stores the full
   * similarity matrix (float64, n^2 entries; default 4096, 128 MiB). Above it rows are computed
   * when a batch of predictions needs them, one row per distinct user (item) in the batch.
   */
  denseLimit?: number;
  /** Length of the neighbour lists used by recommend() (default k). */
  neighbors?: number;
  /**
   * Worker threads of fitAsync()'s similarity matrix (default: every core,
   * os.availableParallelism()); results are bit-identical for any count. fit() always computes
   * on the calling thread.
   */
  threads?: number;
}

/** One prediction with Surprise's details. */
export interface RatingPrediction {
  estimate: number;
  /** Surprise's was_impossible: unknown user/item, or (basic) fewer than minK neighbours. */
  impossible: boolean;
  /** Neighbours with a positive similarity that were aggregated. */
  actualK: number;
}

export interface Recommendation {
  /** Raw item ids, best first. */
  items: string[];
  /** Inner item ids, best first. */
  itemIndices: Int32Array;
  scores: Float64Array;
}

export interface RecommendOptions {
  /** Leave out what the user rated in the training data (default true). */
  excludeRated?: boolean;
}

type Fitted = {
  m: RatingMatrix;
  s: Sides;
  sim?: Float64Array;
  simData?: SimilarityData;
  baselines?: Baselines;
  mean?: Float64Array;
  std?: Float64Array;
  /** top-N neighbour lists, filled lazily: nbrIdx[x * L ...], nbrLen[x] = -1 until computed. */
  nbrIdx?: Int32Array; nbrSim?: Float64Array; nbrLen?: Int32Array;
  /** The state in shared memory for predictBatchAsync's workers (made once). */
  shared?: SharedKnnState;
};

/** What a worker needs to predict like the fitted model: parameters and typed arrays in shared memory. */
export interface SharedKnnState {
  /** Identifies the fitted state: workers keep one rebuilt model per id. */
  id: number;
  params: KnnRecommenderParams & { k: number; minK: number; rule: Rule; userBased: boolean; clip: boolean };
  m: Pick<RatingMatrix, 'nUsers' | 'nItems' | 'nnz' | 'globalMean' | 'scale' | 'implicit' | 'userPtr' | 'userItems' | 'userValues' | 'itemPtr' | 'itemUsers' | 'itemValues'>;
  D: SimilarityData;
  bu?: Float64Array; bi?: Float64Array;
  mean?: Float64Array; std?: Float64Array;
}

let nextSharedId = 1;

function asMatrix(train: RatingMatrix | Ratings): RatingMatrix {
  if (train && typeof train === 'object' && 'userPtr' in train) return train;
  if (train && typeof train === 'object' && 'user' in train && 'item' in train) return ratingMatrix(train);
  throw invalidParam('train', train, 'a RatingMatrix (ratingMatrix(ratings)) or Ratings (readRatings / parseRatings / ratingsFromArrays)');
}

function clipTo(v: number, m: RatingMatrix, clip: boolean): number {
  if (!clip) return v;
  return v < m.scale[0] ? m.scale[0] : v > m.scale[1] ? m.scale[1] : v;
}

/** Shared predict / test / recommend plumbing of the rating predictors. */
abstract class RatingPredictor {
  readonly clip: boolean;
  protected state?: Fitted;

  constructor(p: RecommenderParams) {
    if (p.clip !== undefined && typeof p.clip !== 'boolean') throw invalidParam('clip', p.clip, 'true or false');
    this.clip = p.clip ?? true;
  }

  abstract fit(train: RatingMatrix | Ratings): this;

  /** fit() with its heavy part (the similarity matrix) on worker threads where the model has one; same fitted state. */
  async fitAsync(train: RatingMatrix | Ratings): Promise<this> {
    return this.fit(train);
  }

  protected fitted(verb: string): Fitted {
    if (!this.state) throw new KnnkitError('fit', `${this.constructor.name}.${verb}: call fit(train) first`);
    return this.state;
  }

  /** The fitted training matrix. */
  get trainset(): RatingMatrix { return this.fitted('trainset').m; }

  /** Prediction for inner ids (ids of the Ratings the model was fitted on); unknown ids allowed. */
  abstract estimate(user: number, item: number): RatingPrediction;

  /** Predicted rating for raw ids (as in the file), clipped into the scale; unknown users/items get Surprise's fallback. */
  predict(user: string | number, item: string | number): number {
    const { m } = this.fitted('predict');
    const u = m.userIndex.get(String(user)) ?? -1, i = m.itemIndex.get(String(item)) ?? -1;
    return this.estimate(u, i).estimate;
  }

  /** Predictions for pairs of inner ids (e.g. a test fold); Float64Array, clipped. */
  predictBatch(users: ArrayLike<number>, items: ArrayLike<number>): Float64Array {
    if (users.length !== items.length) throw invalidParam('items', items, `as many entries as users (${users.length})`);
    const out = new Float64Array(users.length);
    for (let p = 0; p < users.length; p++) out[p] = this.estimate(users[p], items[p]).estimate;
    return out;
  }

  /** Predictions for the ratings `rows` of `ratings` (default all): the test-set protocol. */
  test(ratings: Ratings, rows?: ArrayLike<number>): Float64Array {
    const n = rows ? rows.length : ratings.size;
    const u = new Int32Array(n), i = new Int32Array(n);
    for (let p = 0; p < n; p++) { const e = rows ? rows[p] : p; u[p] = ratings.user[e]; i[p] = ratings.item[e]; }
    return this.predictBatch(u, i);
  }

  /** predictBatch with the heavy part on worker threads where the model has one; same predictions. */
  async predictBatchAsync(users: ArrayLike<number>, items: ArrayLike<number>): Promise<Float64Array> {
    return this.predictBatch(users, items);
  }

  /** test() through predictBatchAsync. */
  async testAsync(ratings: Ratings, rows?: ArrayLike<number>): Promise<Float64Array> {
    const n = rows ? rows.length : ratings.size;
    const u = new Int32Array(n), i = new Int32Array(n);
    for (let p = 0; p < n; p++) { const e = rows ? rows[p] : p; u[p] = ratings.user[e]; i[p] = ratings.item[e]; }
    return this.predictBatchAsync(u, i);
  }

  /** Scores of every item for an inner user id (higher = recommend first); NaN = cannot score. */
  protected abstract itemScores(user: number, out: Float64Array): void;

  /**
   * Top-n items for a user (raw id), best first, leaving out what the user rated in the
   * training data. An unknown user gets the most rated items.
   */
  recommend(user: string | number, n = 10, opts: RecommendOptions = {}): Recommendation {
    const { m } = this.fitted('recommend');
    const u = m.userIndex.get(String(user));
    return this.recommendInner(u === undefined ? -1 : u, n, opts);
  }

  /** recommend() for an inner user id (-1 or an id without training ratings: popularity). */
  recommendInner(user: number, n = 10, opts: RecommendOptions = {}): Recommendation {
    const { m } = this.fitted('recommend');
    checkInteger('n', n, 1);
    const exclude = opts.excludeRated ?? true;
    const scores = new Float64Array(m.nItems);
    const known = user >= 0 && user < m.nUsers && m.userPtr[user + 1] > m.userPtr[user];
    if (known) this.itemScores(user, scores);
    else for (let i = 0; i < m.nItems; i++) scores[i] = m.itemPtr[i + 1] - m.itemPtr[i];
    if (known && exclude) for (let p = m.userPtr[user]; p < m.userPtr[user + 1]; p++) scores[m.userItems[p]] = NaN;
    const top = topScores(scores, n);
    return { items: Array.from(top.idx, (i) => m.itemIds[i]), itemIndices: top.idx, scores: top.score };
  }
}

/** The n largest finite scores, ties by lower index. */
export function topScores(scores: Float64Array, n: number): { idx: Int32Array; score: Float64Array } {
  const hs = new Float64Array(n), hi = new Int32Array(n);
  let size = 0;
  // min-heap of the best n; "worse" = lower score, or equal score and higher index
  const worse = (a: number, b: number) => hs[a] < hs[b] || (hs[a] === hs[b] && hi[a] > hi[b]);
  const swap = (a: number, b: number) => { const s = hs[a]; hs[a] = hs[b]; hs[b] = s; const t = hi[a]; hi[a] = hi[b]; hi[b] = t; };
  const down = (k: number) => {
    for (;;) {
      const l = 2 * k + 1, r = l + 1;
      let w = k;
      if (l < size && worse(l, w)) w = l;
      if (r < size && worse(r, w)) w = r;
      if (w === k) return;
      swap(k, w); k = w;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!(s === s) || s === -Infinity) continue;
    if (size < n) {
      hs[size] = s; hi[size] = i; let k = size++;
      while (k > 0) { const p = (k - 1) >> 1; if (!worse(k, p)) break; swap(k, p); k = p; }
    } else if (s > hs[0]) { hs[0] = s; hi[0] = i; down(0); }
  }
  const order = Array.from({ length: size }, (_, t) => t).sort((a, b) => hs[b] - hs[a] || hi[a] - hi[b]);
  return { idx: Int32Array.from(order, (t) => hi[t]), score: Float64Array.from(order, (t) => hs[t]) };
}

/**
 * Neighbourhood models of Surprise (knns.py), user- or item-based. With x the side compared
 * (the user for user-based), y the other, and N^k the k x' with the largest positive
 * similarity among those who rated y:
 *
 *   basic:    sum sim * r_x'y / sum sim                                   (KNNBasic)
 *   means:    mu_x + sum sim * (r_x'y - mu_x') / sum sim                   (KNNWithMeans)
 *   zscore:   mu_x + sigma_x * sum sim * (r_x'y - mu_x') / sigma_x' / sum sim (KNNWithZScore)
 *   baseline: b_xy + sum sim * (r_x'y - b_x'y) / sum sim                   (KNNBaseline, Koren 2010 eq. 3)
 *
 * Fallbacks as Surprise: an unknown user or item, or (basic) fewer than minK neighbours, give the
 * global mean (baseline: mu plus whatever biases are known); with means / zscore / baseline
 * fewer than minK neighbours leave the mean (baseline) alone. Predictions are clipped into the
 * rating scale. Neighbour ties at the k-th place go to the earlier entry of y's list (Surprise's
 * heapq.nlargest is stable), here the lower id.
 */
export class KNNRecommender extends RatingPredictor {
  readonly k: number;
  readonly minK: number;
  readonly rule: Rule;
  readonly simOptions: ResolvedSimilarityOptions;
  readonly baselineOptions: BaselineOptions;
  readonly denseLimit: number;
  readonly neighbors: number;
  readonly threads: number;
  // scratch for one prediction
  private hs = new Float64Array(0);
  private hq = new Int32Array(0);
  private rowBuf?: { x: number; nt: number; row: Float64Array; scratch: RowScratch };

  constructor(params: KnnRecommenderParams = {}) {
    super(params);
    if (params == null || typeof params !== 'object') throw invalidParam('params', params, 'an object');
    this.k = params.k === undefined ? 40 : checkInteger('k', params.k, 1);
    this.minK = params.minK === undefined ? 1 : checkInteger('minK', params.minK, 0);
    this.rule = params.rule === undefined ? 'basic' : checkOneOf('rule', params.rule, RULES);
    this.simOptions = resolveSimilarityOptions(params);
    this.baselineOptions = params.baseline ?? {};
    resolveBaselineOptions(this.baselineOptions);
    this.denseLimit = params.denseLimit === undefined ? 4096 : checkInteger('denseLimit', params.denseLimit, 0);
    this.neighbors = params.neighbors === undefined ? this.k : checkInteger('neighbors', params.neighbors, 1);
    this.threads = params.threads === undefined ? defaultThreads() : checkInteger('threads', params.threads, 1, 1024);
  }

  get userBased(): boolean { return this.simOptions.userBased; }

  /** Fits on the calling thread (see fitAsync for the similarity matrix on `threads` workers). */
  fit(train: RatingMatrix | Ratings): this {
    const st = this.prepare(train);
    if (st.s.nX <= this.denseLimit) st.sim = similarityMatrix(st.simData!);
    return this.install(st);
  }

  /**
   * fit() with the similarity matrix computed by `threads` worker threads (knnkit's shared
   * pool); the fitted state, and so every prediction, is bit-identical to fit()'s. Above
   * denseLimit no matrix is stored and this is fit().
   */
  override async fitAsync(train: RatingMatrix | Ratings): Promise<this> {
    const st = this.prepare(train);
    if (st.s.nX <= this.denseLimit) st.sim = await similarityMatrixParallel(st.simData!, this.threads);
    return this.install(st);
  }

  private install(st: Fitted): this {
    this.state = st;
    this.rowBuf = undefined;
    this.hs = new Float64Array(this.k); this.hq = new Int32Array(this.k);
    return this;
  }

  /** Everything fit() computes but the similarity matrix: sides, baselines, similarity inputs, means. */
  private prepare(train: RatingMatrix | Ratings): Fitted {
    const m = asMatrix(train);
    const o = this.simOptions;
    const s = sides(m, o.userBased);
    const needBsl = this.rule === 'baseline' || o.similarity === 'pearson-baseline';
    const baselines = needBsl ? fitBaselines(m, this.baselineOptions) : undefined;
    const simData = similarityData(m, o, baselines);
    const st: Fitted = { m, s, simData, baselines };
    if (this.rule === 'means' || this.rule === 'zscore') {
      const { mean, std } = rowMeans(s.xPtr, s.xVal, s.nX);
      if (this.rule === 'zscore') {
        // Surprise: sigma 0 -> the standard deviation of all training ratings
        let t = 0, v = 0;
        for (let p = 0; p < m.nnz; p++) t += m.userValues[p];
        const mu = t / m.nnz;
        for (let p = 0; p < m.nnz; p++) v += (m.userValues[p] - mu) ** 2;
        const overall = Math.sqrt(v / m.nnz);
        for (let x = 0; x < s.nX; x++) if (std[x] === 0) std[x] = overall;
      }
      st.mean = mean; st.std = std;
    }
    return st;
  }

  /** The fitted similarity of two users (user-based) or items (item-based), inner ids. */
  similarity(a: number, b: number): number {
    const st = this.fitted('similarity');
    const n = st.s.nX;
    if (!(Number.isInteger(a) && a >= 0 && a < n)) throw invalidParam('a', a, `an inner id in [0, ${n})`);
    if (!(Number.isInteger(b) && b >= 0 && b < n)) throw invalidParam('b', b, `an inner id in [0, ${n})`);
    return this.row(a)[b];
  }

  /** The similarity row of x (all x'): the stored matrix row, or computed (and kept for the next call). */
  row(x: number): Float64Array {
    const st = this.fitted('row');
    const n = st.s.nX;
    if (st.sim) return st.sim.subarray(x * n, (x + 1) * n);
    let rb = this.rowBuf;
    if (!rb) rb = this.rowBuf = { x: -1, nt: 0, row: new Float64Array(n), scratch: new RowScratch(n) };
    if (rb.x !== x) {
      // zero only what the previous row wrote
      const prev = rb.scratch.touched;
      for (let t = 0; t < rb.nt; t++) rb.row[prev[t]] = 0;
      if (rb.x >= 0) rb.row[rb.x] = 0;
      rb.nt = similarityRow(st.simData!, x, rb.row, 0, false, rb.scratch);
      rb.row[x] = 1;
      rb.x = x;
    }
    return rb.row;
  }

  /** Known = has at least one training rating. */
  private knows(ptr: Int32Array, n: number, a: number): boolean {
    return a >= 0 && a < n && ptr[a + 1] > ptr[a];
  }

  estimate(user: number, item: number): RatingPrediction {
    const st = this.fitted('estimate');
    const { m, s } = st;
    const ku = this.knows(m.userPtr, m.nUsers, user), ki = this.knows(m.itemPtr, m.nItems, item);
    const mu = m.globalMean;
    if (!ku || !ki) {
      if (this.rule === 'baseline') {
        const b = st.baselines!;
        return { estimate: clipTo(mu + (ku ? b.bu[user] : 0) + (ki ? b.bi[item] : 0), m, this.clip), impossible: false, actualK: 0 };
      }
      return { estimate: clipTo(mu, m, this.clip), impossible: true, actualK: 0 };
    }
    const ub = this.simOptions.userBased;
    const x = ub ? user : item, y = ub ? item : user;
    return this.aggregate(st, s, x, y, this.row(x));
  }

  /** Batch predictions grouped by x, so that each similarity row is computed once when not stored. */
  override predictBatch(users: ArrayLike<number>, items: ArrayLike<number>): Float64Array {
    const st = this.fitted('predictBatch');
    if (users.length !== items.length) throw invalidParam('items', items, `as many entries as users (${users.length})`);
    if (st.sim) return super.predictBatch(users, items);
    const ub = this.simOptions.userBased;
    const xs = ub ? users : items;
    const order = Array.from({ length: users.length }, (_, p) => p).sort((a, b) => xs[a] - xs[b]);
    const out = new Float64Array(users.length);
    for (const p of order) out[p] = this.estimate(users[p], items[p]).estimate;
    return out;
  }

  /**
   * predictBatch with the similarity rows computed on `threads` workers when they are not stored
   * (above denseLimit): the pairs are grouped by x, the distinct x cut into chunks of about equal
   * row work, and each worker computes its rows and the predictions that need them (the same
   * row pass and aggregation as predictBatch, so the same numbers). With a stored matrix,
   * threads = 1 or no SharedArrayBuffer this is predictBatch.
   */
  override async predictBatchAsync(users: ArrayLike<number>, items: ArrayLike<number>): Promise<Float64Array> {
    const st = this.fitted('predictBatchAsync');
    if (users.length !== items.length) throw invalidParam('items', items, `as many entries as users (${users.length})`);
    if (st.sim || this.threads === 1 || users.length === 0 || !sharedMemoryAvailable()) return this.predictBatch(users, items);
    const { predictRowsParallel } = await import('./predict-parallel.js');
    return predictRowsParallel(this.sharedState(st), users, items, this.threads);
  }

  /** The fitted state as a worker can rebuild it (typed arrays in shared memory, no raw ids). */
  private sharedState(st: Fitted): SharedKnnState {
    if (!st.shared) {
      const m = st.m, D = st.simData!;
      const sh = <T extends Float64Array | Int32Array>(a: T): T => toShared(a);
      st.shared = {
        params: {
          k: this.k, minK: this.minK, rule: this.rule, userBased: this.simOptions.userBased, similarity: this.simOptions.similarity,
          minSupport: this.simOptions.minSupport, shrinkage: this.simOptions.shrinkage, clip: this.clip, denseLimit: this.denseLimit, threads: 1,
        },
        m: {
          nUsers: m.nUsers, nItems: m.nItems, nnz: m.nnz, globalMean: m.globalMean, scale: m.scale, implicit: m.implicit,
          userPtr: sh(m.userPtr), userItems: sh(m.userItems), userValues: sh(m.userValues),
          itemPtr: sh(m.itemPtr), itemUsers: sh(m.itemUsers), itemValues: sh(m.itemValues),
        },
        D: { ...D, xPtr: sh(D.xPtr), xIdx: sh(D.xIdx), xVal: sh(D.xVal), yPtr: sh(D.yPtr), yIdx: sh(D.yIdx), yVal: sh(D.yVal), xPos: sh(D.xPos) },
        bu: st.baselines ? sh(st.baselines.bu) : undefined, bi: st.baselines ? sh(st.baselines.bi) : undefined,
        mean: st.mean ? sh(st.mean) : undefined, std: st.std ? sh(st.std) : undefined,
        id: nextSharedId++,
      };
    }
    return st.shared;
  }

  /** A model over a shared fitted state (the worker side of predictBatchAsync). */
  static fromSharedState(sh: SharedKnnState): KNNRecommender {
    const model = new KNNRecommender({ ...sh.params, denseLimit: 0 });
    const m = { ...sh.m, userIds: [], itemIds: [], userIndex: new Map(), itemIndex: new Map() } as RatingMatrix;
    const s = sides(m, sh.params.userBased);
    // s holds the raw ratings (the aggregation's r); D the kernel's values (maybe residuals)
    const baselines: Baselines | undefined = sh.bu && sh.bi ? { bu: sh.bu, bi: sh.bi, globalMean: m.globalMean, loss: new Float64Array(0) } : undefined;
    return model.install({ m, s, simData: sh.D, baselines, mean: sh.mean, std: sh.std });
  }

  private aggregate(st: Fitted, s: Sides, x: number, y: number, row: Float64Array): RatingPrediction {
    const k = this.k, hs = this.hs, hq = this.hq;
    let size = 0;
    // the k largest positive similarities among the x' who rated y (min-heap on similarity;
    // equal similarities keep the earlier entry, as a stable nlargest does)
    for (let q = s.yPtr[y], qe = s.yPtr[y + 1]; q < qe; q++) {
      const sim = row[s.yIdx[q]];
      if (!(sim > 0)) continue;
      if (size < k) {
        let c = size++;
        while (c > 0) {
          const par = (c - 1) >> 1;
          if (hs[par] < sim || (hs[par] === sim && hq[par] > q)) break;
          hs[c] = hs[par]; hq[c] = hq[par]; c = par;
        }
        hs[c] = sim; hq[c] = q;
      } else if (sim > hs[0]) {
        let c = 0;
        for (;;) {
          const l = 2 * c + 1, r = l + 1;
          let w = -1, ws = sim, wq = q;
          if (l < k && (hs[l] < ws || (hs[l] === ws && hq[l] > wq))) { w = l; ws = hs[l]; wq = hq[l]; }
          if (r < k && (hs[r] < ws || (hs[r] === ws && hq[r] > wq))) { w = r; }
          if (w < 0) break;
          hs[c] = hs[w]; hq[c] = hq[w]; c = w;
        }
        hs[c] = sim; hq[c] = q;
      }
    }
    const { m } = st;
    let sumSim = 0, sumR = 0;
    const rule = this.rule;
    const mean = st.mean, std = st.std;
    const b = st.baselines;
    const ub = this.simOptions.userBased;
    const bx = b ? (ub ? b.bu : b.bi) : undefined, by = b ? (ub ? b.bi : b.bu) : undefined;
    for (let t = 0; t < size; t++) {
      const sim = hs[t], q = hq[t];
      const x2 = s.yIdx[q], r = s.yVal[q];
      sumSim += sim;
      if (rule === 'basic') sumR += sim * r;
      else if (rule === 'means') sumR += sim * (r - mean![x2]);
      else if (rule === 'zscore') sumR += sim * (r - mean![x2]) / std![x2];
      else sumR += sim * (r - (m.globalMean + bx![x2] + by![y]));
    }
    const actualK = size;
    if (rule === 'basic') {
      if (actualK < this.minK || sumSim === 0) return { estimate: clipTo(m.globalMean, m, this.clip), impossible: true, actualK };
      return { estimate: clipTo(sumR / sumSim, m, this.clip), impossible: false, actualK };
    }
    if (actualK < this.minK) sumR = 0;
    let est: number;
    if (rule === 'means') est = mean![x] + (sumSim > 0 ? sumR / sumSim : 0);
    else if (rule === 'zscore') est = mean![x] + (sumSim > 0 ? (sumR / sumSim) * std![x] : 0);
    else est = m.globalMean + bx![x] + by![y] + (sumSim > 0 ? sumR / sumSim : 0);
    return { estimate: clipTo(est, m, this.clip), impossible: false, actualK };
  }

  /**
   * The `count` most similar other users (items) of inner id x, by positive similarity (ties by
   * lower id): Surprise's get_neighbors.
   */
  neighbours(x: number, count = this.neighbors): { indices: Int32Array; similarities: Float64Array } {
    const st = this.fitted('neighbours');
    if (!(Number.isInteger(x) && x >= 0 && x < st.s.nX)) throw invalidParam('x', x, `an inner id in [0, ${st.s.nX})`);
    checkInteger('count', count, 1);
    const row = this.row(x);
    // candidates: the x' with a common rating (the computed row's touched list), else every x'
    const rb = this.rowBuf;
    const cand = !st.sim && rb && rb.x === x ? rb.scratch.touched.subarray(0, rb.nt) : undefined;
    const m = cand ? cand.length : row.length;
    const ids = new Int32Array(m), vals = new Float64Array(m);
    let c = 0;
    for (let t = 0; t < m; t++) {
      const j = cand ? cand[t] : t;
      if (j !== x && row[j] > 0) { ids[c] = j; vals[c++] = row[j]; }
    }
    // ties by lower id: order the candidates by id first (the touched list is in visit order)
    const order = Array.from({ length: c }, (_, t) => t).sort((a, b) => ids[a] - ids[b]);
    const top = topScores(Float64Array.from(order, (t) => vals[t]), count);
    return { indices: Int32Array.from(top.idx, (t) => ids[order[t]]), similarities: top.score };
  }

  private neighbourList(st: Fitted, x: number): { start: number; len: number } {
    const L = this.neighbors, n = st.s.nX;
    if (!st.nbrLen) { st.nbrLen = new Int32Array(n).fill(-1); st.nbrIdx = new Int32Array(n * L); st.nbrSim = new Float64Array(n * L); }
    if (st.nbrLen[x] < 0) {
      const nb = this.neighbours(x, L);
      st.nbrIdx!.set(nb.indices, x * L); st.nbrSim!.set(nb.similarities, x * L);
      st.nbrLen[x] = nb.indices.length;
    }
    return { start: x * L, len: st.nbrLen[x] };
  }

  /**
   * Top-N scores from the neighbour lists (Deshpande & Karypis 2004; Amazon's item-to-item):
   * item-based, score(j) = sum over the user's items i with j among i's `neighbors` most similar
   * items of sim(i, j) * w_ui; user-based, score(j) = sum over the user's `neighbors` most
   * similar users v who have j of sim(u, v) * w_vj. w = the rating (1 on implicit data).
   */
  protected itemScores(user: number, out: Float64Array): void {
    const st = this.fitted('recommend');
    const m = st.m;
    out.fill(NaN);
    if (this.simOptions.userBased) {
      const { start, len } = this.neighbourList(st, user);
      for (let t = 0; t < len; t++) {
        const v = st.nbrIdx![start + t], sv = st.nbrSim![start + t];
        for (let p = m.userPtr[v]; p < m.userPtr[v + 1]; p++) {
          const j = m.userItems[p];
          out[j] = (out[j] === out[j] ? out[j] : 0) + sv * m.userValues[p];
        }
      }
    } else {
      for (let p = m.userPtr[user]; p < m.userPtr[user + 1]; p++) {
        const i = m.userItems[p], w = m.userValues[p];
        const { start, len } = this.neighbourList(st, i);
        for (let t = 0; t < len; t++) {
          const j = st.nbrIdx![start + t];
          out[j] = (out[j] === out[j] ? out[j] : 0) + st.nbrSim![start + t] * w;
        }
      }
    }
  }
}

type RuleParams = Omit<KnnRecommenderParams, 'rule'>;
/** Surprise's KNNBasic: weighted average of the neighbours' ratings. */
export class KNNBasic extends KNNRecommender { constructor(p: RuleParams = {}) { super({ ...p, rule: 'basic' }); } }
/** Surprise's KNNWithMeans: mean-centred. */
export class KNNWithMeans extends KNNRecommender { constructor(p: RuleParams = {}) { super({ ...p, rule: 'means' }); } }
/** Surprise's KNNWithZScore: z-score normalised. */
export class KNNWithZScore extends KNNRecommender { constructor(p: RuleParams = {}) { super({ ...p, rule: 'zscore' }); } }
/** Surprise's KNNBaseline: baseline-centred (use similarity 'pearson-baseline' for the best results). */
export class KNNBaseline extends KNNRecommender { constructor(p: RuleParams = {}) { super({ ...p, rule: 'baseline' }); } }

/**
 * Surprise's BaselineOnly: r_ui = mu + b_u + b_i (each bias only when known), biases by ALS
 * (reg_i 10, reg_u 15, 10 epochs) or SGD. recommend() ranks by b_i.
 */
export class BaselineOnly extends RatingPredictor {
  readonly baselineOptions: BaselineOptions;
  constructor(params: RecommenderParams = {}) {
    super(params);
    this.baselineOptions = params.baseline ?? {};
    resolveBaselineOptions(this.baselineOptions);
  }

  fit(train: RatingMatrix | Ratings): this {
    const m = asMatrix(train);
    this.state = { m, s: sides(m, true), baselines: fitBaselines(m, this.baselineOptions) };
    return this;
  }

  get baselines(): Baselines { return this.fitted('baselines').baselines!; }

  estimate(user: number, item: number): RatingPrediction {
    const { m, baselines: b } = this.fitted('estimate');
    const ku = user >= 0 && user < m.nUsers && m.userPtr[user + 1] > m.userPtr[user];
    const ki = item >= 0 && item < m.nItems && m.itemPtr[item + 1] > m.itemPtr[item];
    return { estimate: clipTo(m.globalMean + (ku ? b!.bu[user] : 0) + (ki ? b!.bi[item] : 0), m, this.clip), impossible: false, actualK: 0 };
  }

  protected itemScores(_user: number, out: Float64Array): void {
    const { m, baselines: b } = this.fitted('recommend');
    for (let i = 0; i < m.nItems; i++) out[i] = m.itemPtr[i + 1] > m.itemPtr[i] ? b!.bi[i] : NaN;
  }
}

export type Recommender = KNNRecommender | BaselineOnly;
