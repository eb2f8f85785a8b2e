import { TopK } from '../../core/topk.js';
import type { SearchResult } from '../../search/results.js';
import type { Allow } from '../types.js';
import type { BitRows } from './bit-rows.js';

/**
 * CandidateScan (../shared/candidate-scan.ts) for bit-packed rows: each candidate is offered
 * once per query (epoch stamps), checked against the Allow, ranked by popcount(row XOR query)
 * in a TopK (ties to the lower label, as brute force), and written with the metric's true
 * distance of that count: hamming = count / d (scipy's fraction), sqeuclidean = count,
 * euclidean = sqrt(count) (0/1 vectors).
 */
export class BitsScan {
  private stamp: Uint32Array;
  private epoch = 0;
  private readonly top: TopK;
  private readonly outIdx: Int32Array;
  private readonly outDist: Float64Array;
  private readonly toDistance: (count: number) => number;

  constructor(private readonly rows: BitRows, k: number, metricName: string, private readonly allow: Allow | null) {
    this.stamp = new Uint32Array(rows.rows);
    this.top = new TopK(k);
    this.outIdx = new Int32Array(k);
    this.outDist = new Float64Array(k);
    const d = rows.dim;
    this.toDistance = metricName === 'hamming' ? (c) => (d > 0 ? c / d : 0) : metricName === 'euclidean' ? Math.sqrt : (c) => c;
  }

  begin(): void {
    this.epoch++;
    if (this.epoch === 0xffffffff) { this.stamp.fill(0); this.epoch = 1; }
    this.top.reset(this.outIdx.length);
  }

  /** Offers a label against packed query words q[qOff ..]; true when it was new and allowed. */
  offer(label: number, q: Int32Array, qOff: number): boolean {
    if (this.stamp[label] === this.epoch) return false;
    this.stamp[label] = this.epoch;
    if (this.allow !== null && !this.allow.test(label)) return false;
    this.top.push(this.rows.differ(label, q, qOff), label);
    return true;
  }

  finish(res: SearchResult, row: number): void {
    const k = res.k, got = this.top.drainSorted(this.outIdx, this.outDist);
    for (let i = 0; i < got; i++) { res.indices[row * k + i] = this.outIdx[i]; res.distances[row * k + i] = this.toDistance(this.outDist[i]); }
  }
}
