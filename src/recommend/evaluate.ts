import { checkInteger, checkNumber } from '../core/errors.js';
import type { Recommender } from './knn.js';
import { ratingMatrix, type RatingMatrix } from './matrix.js';
import { catalogCoverage, mae, rankingScores, rmse } from './metrics.js';
import type { Ratings } from './ratings.js';
import type { RatingSplit } from './splits.js';
import { ratingFolds } from './splits.js';

export interface SplitScores {
  rmse: number;
  mae: number;
  /** Top-N scores at `top` (NaN when top-N evaluation is off or no test user has a relevant item). */
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
  /** Test users the ranking metrics averaged over. */
  rankedUsers: number;
  trainSize: number;
  testSize: number;
  /** Seconds: fit (similarities, baselines), rating predictions of the test set, top-N lists. */
  fitSeconds: number;
  predictSeconds: number;
  recommendSeconds: number;
}

export interface EvaluateOptions {
  /** Length of the top-N lists (default 10); 0 skips the top-N evaluation. */
  top?: number;
  /** A test rating >= threshold makes the item relevant (default 3.5; implicit data: every test item). */
  threshold?: number;
}

const now = () => performance.now() / 1000;

/**
 * Fits a fresh model on the split's training ratings and scores it on its test ratings: RMSE and
 * MAE of the predicted ratings (clipped, unknown users/items get the model's fallback, as
 * Surprise's test()), then top-N lists for every test user with a relevant test item (the user's
 * training items excluded) scored by precision/recall/NDCG/MAP at `top` and catalogue coverage
 * (distinct recommended items / items with a training rating).
 */
export function evaluateSplit(ratings: Ratings, split: RatingSplit, makeModel: () => Recommender, opts: EvaluateOptions = {}): SplitScores {
  checkEvaluateOptions(opts);
  const t = now();
  const m = ratingMatrix(ratings, split.train);
  const model = makeModel().fit(m);
  const fitSeconds = now() - t;
  const t1 = now();
  const pred = model.test(ratings, split.test);
  return scoreSplit(ratings, split, model, m, fitSeconds, pred, now() - t1, opts);
}

/**
 * evaluateSplit with the model fitted by fitAsync and the test set predicted by testAsync
 * (similarity rows on worker threads); same scores.
 */
export async function evaluateSplitAsync(ratings: Ratings, split: RatingSplit, makeModel: () => Recommender, opts: EvaluateOptions = {}): Promise<SplitScores> {
  checkEvaluateOptions(opts);
  const t = now();
  const m = ratingMatrix(ratings, split.train);
  const model = await makeModel().fitAsync(m);
  const fitSeconds = now() - t;
  const t1 = now();
  const pred = await model.testAsync(ratings, split.test);
  return scoreSplit(ratings, split, model, m, fitSeconds, pred, now() - t1, opts);
}

function checkEvaluateOptions(opts: EvaluateOptions): void {
  if (opts.top !== undefined) checkInteger('top', opts.top, 0);
  if (opts.threshold !== undefined) checkNumber('threshold', opts.threshold);
}

function scoreSplit(ratings: Ratings, split: RatingSplit, model: Recommender, m: RatingMatrix, fitSeconds: number,
  pred: Float64Array, predictSeconds: number, opts: EvaluateOptions): SplitScores {
  const top = opts.top ?? 10;
  const threshold = opts.threshold ?? 3.5;
  let t: number;
  const truth = new Float64Array(split.test.length);
  for (let p = 0; p < truth.length; p++) truth[p] = ratings.rating[split.test[p]];
  const out: SplitScores = {
    rmse: rmse(truth, pred), mae: mae(truth, pred),
    precision: NaN, recall: NaN, ndcg: NaN, map: NaN, coverage: NaN, rankedUsers: 0,
    trainSize: split.train.length, testSize: split.test.length, fitSeconds, predictSeconds, recommendSeconds: 0,
  };
  if (top > 0) {
    t = now();
    const rel = new Map<number, Set<number>>();
    for (const e of split.test) {
      if (!ratings.implicit && ratings.rating[e] < threshold) continue;
      const u = ratings.user[e];
      let s = rel.get(u);
      if (!s) rel.set(u, (s = new Set()));
      s.add(ratings.item[e]);
    }
    const users = [...rel.keys()].sort((a, b) => a - b);
    const lists = users.map((u) => model.recommendInner(u, top).itemIndices);
    const r = rankingScores(lists, users.map((u) => rel.get(u)!), top);
    let catalog = 0;
    for (let i = 0; i < m.nItems; i++) if (m.itemPtr[i + 1] > m.itemPtr[i]) catalog++;
    Object.assign(out, { precision: r.precision, recall: r.recall, ndcg: r.ndcg, map: r.map, rankedUsers: r.users, coverage: catalogCoverage(lists, Math.max(1, catalog)) });
    out.recommendSeconds = now() - t;
  }
  return out;
}

export interface CrossValidationResult {
  folds: SplitScores[];
  /** Means over the folds (times: mean seconds per fold). */
  mean: SplitScores;
  /** Population standard deviations over the folds. */
  std: SplitScores;
}

/** k-fold cross-validation (Surprise's protocol: shuffled KFold, default 5 folds), seeded. */
export function crossValidateRatings(ratings: Ratings, makeModel: () => Recommender,
  opts: EvaluateOptions & { folds?: number; seed?: number; onFold?: (done: number, total: number) => void } = {}): CrossValidationResult {
  const splits = ratingFolds(ratings, { folds: opts.folds ?? 5, seed: opts.seed ?? 0 });
  const folds: SplitScores[] = [];
  for (const s of splits) {
    folds.push(evaluateSplit(ratings, s, makeModel, opts));
    opts.onFold?.(folds.length, splits.length);
  }
  return { folds, ...summarize(folds) };
}

/** crossValidateRatings with each fold's model fitted by fitAsync (similarities on worker threads); same scores. */
export async function crossValidateRatingsAsync(ratings: Ratings, makeModel: () => Recommender,
  opts: EvaluateOptions & { folds?: number; seed?: number; onFold?: (done: number, total: number) => void } = {}): Promise<CrossValidationResult> {
  const splits = ratingFolds(ratings, { folds: opts.folds ?? 5, seed: opts.seed ?? 0 });
  const folds: SplitScores[] = [];
  for (const s of splits) {
    folds.push(await evaluateSplitAsync(ratings, s, makeModel, opts));
    opts.onFold?.(folds.length, splits.length);
  }
  return { folds, ...summarize(folds) };
}

export function summarize(folds: SplitScores[]): { mean: SplitScores; std: SplitScores } {
  const keys = Object.keys(folds[0]) as (keyof SplitScores)[];
  const mean = {} as SplitScores, std = {} as SplitScores;
  for (const k of keys) {
    const v = folds.map((f) => f[k]);
    const mu = v.reduce((a, b) => a + b, 0) / v.length;
    mean[k] = mu;
    std[k] = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length);
  }
  return { mean, std };
}
