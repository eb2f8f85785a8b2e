import { KnnkitError, checkInteger } from '../core/errors.js';

function pairs(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  if (truth.length !== pred.length) throw new KnnkitError('predictions', `predictions: ${pred.length} values for ${truth.length} ratings; expected as many`);
  if (truth.length === 0) throw new KnnkitError('ratings', 'ratings: no ratings to score');
  return truth.length;
}

/** Root mean squared error (Surprise's accuracy.rmse). */
export function rmse(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  const n = pairs(truth, pred);
  let s = 0;
  for (let i = 0; i < n; i++) { const d = truth[i] - pred[i]; s += d * d; }
  return Math.sqrt(s / n);
}

/** Mean absolute error (Surprise's accuracy.mae). */
export function mae(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  const n = pairs(truth, pred);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(truth[i] - pred[i]);
  return s / n;
}

/** Ranking quality of top-k lists, averaged over the users that have at least one relevant item. */
export interface RankingScores {
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  /** Users averaged over. */
  users: number;
}

/**
 * precision@k = hits / k; recall@k = hits / |relevant|; NDCG@k with binary gains,
 * DCG = sum_{hit at rank r (1-based)} 1 / log2(r + 1), ideal over min(k, |relevant|) hits;
 * MAP@k: AP@k = sum_{hit at rank r} precision@r / min(k, |relevant|). A list shorter than k counts
 * its missing places as misses.
 */
export function rankingScores(lists: ArrayLike<number>[], relevant: ReadonlySet<number>[], k: number): RankingScores {
  checkInteger('k', k, 1);
  if (lists.length !== relevant.length) throw new KnnkitError('relevant', `relevant: ${relevant.length} sets for ${lists.length} lists; expected as many`);
  let P = 0, R = 0, N = 0, M = 0, users = 0;
  for (let u = 0; u < lists.length; u++) {
    const rel = relevant[u];
    if (rel.size === 0) continue;
    users++;
    const list = lists[u];
    const len = Math.min(k, list.length);
    let hits = 0, dcg = 0, ap = 0;
    for (let r = 0; r < len; r++) {
      if (rel.has(list[r])) {
        hits++;
        dcg += 1 / Math.log2(r + 2);
        ap += hits / (r + 1);
      }
    }
    let idcg = 0;
    const ideal = Math.min(k, rel.size);
    for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
    P += hits / k; R += hits / rel.size; N += dcg / idcg; M += ap / ideal;
  }
  if (users === 0) return { precision: NaN, recall: NaN, ndcg: NaN, map: NaN, users };
  return { precision: P / users, recall: R / users, ndcg: N / users, map: M / users, users };
}

/** Catalogue coverage: distinct items recommended over all lists / catalogue size. */
export function catalogCoverage(lists: ArrayLike<number>[], catalogSize: number): number {
  checkInteger('catalogSize', catalogSize, 1);
  const seen = new Set<number>();
  for (const l of lists) for (let r = 0; r < l.length; r++) seen.add(l[r]);
  return seen.size / catalogSize;
}
