import type { Metric } from '../../metrics/types.js';
import { TopK } from '../../core/topk.js';
import type { SearchResult } from '../../search/results.js';
import type { Allow } from '../types.js';

/**
 * The re-ranking step shared by the candidate-generating families (lsh, rp-forest): every
 * candidate label is offered once per query (an epoch stamp per label, no clearing between
 * queries), checked against the Allow inside the search, and ranked by the metric's exact
 * reduced distance in a TopK; rows are written with the metric's true distances.
 */
export class CandidateScan {
  private stamp: Uint32Array;
  private epoch = 0;
  readonly top: TopK;
  /** Distinct candidates offered in the current query (allowed or not). */
  seen = 0;
  private outIdx: Int32Array;
  private outDist: Float64Array;

  constructor(n: number, k: number, readonly metric: Metric, readonly vectors: Float32Array, readonly dim: number, readonly allow: Allow | null) {
    this.stamp = new Uint32Array(n);
    this.top = new TopK(k);
    this.outIdx = new Int32Array(k);
    this.outDist = new Float64Array(k);
  }

  /** Starts a query. */
  begin(): void {
    this.epoch++;
    if (this.epoch === 0xffffffff) { this.stamp.fill(0); this.epoch = 1; }
    this.seen = 0;
    this.top.reset(this.outIdx.length);
  }

  /** Offers a label; returns true when it was new and allowed (its distance was computed). */
  offer(label: number, q: ArrayLike<number>, qOff: number): boolean {
    if (this.stamp[label] === this.epoch) return false;
    this.stamp[label] = this.epoch;
    this.seen++;
    if (this.allow !== null && !this.allow.test(label)) return false;
    this.top.push(this.metric.reduced(this.vectors, label * this.dim, q, qOff, this.dim), label);
    return true;
  }

  /** Whether a label was offered in the current query. */
  wasSeen(label: number): boolean { return this.stamp[label] === this.epoch; }

  /** Drains the query's k best into row `row` of `res` (labels, true distances). */
  finish(res: SearchResult, row: number): void {
    const k = res.k;
    const got = this.top.drainSorted(this.outIdx, this.outDist);
    const ids = res.indices, dist = res.distances;
    for (let i = 0; i < got; i++) { ids[row * k + i] = this.outIdx[i]; dist[row * k + i] = this.metric.reducedToDistance(this.outDist[i]); }
  }
}

/**
 * The allowed labels when a set filter is so selective that scanning them exactly is cheaper
 * than generating candidates (and exact): at most max(256, n / 64) labels. Null otherwise.
 */
export function selectiveLabels(allow: Allow | null, n: number): Int32Array | null {
  if (allow === null) return null;
  const labels = allow.labels();
  return labels !== null && labels.length <= Math.max(256, n / 64) ? labels : null;
}
