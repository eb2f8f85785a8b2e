import { PairBuffer } from '../../core/topk.js';

/** Up to this k the trees keep candidates in a SortedTopK, above it in a TopK heap. */
export const SMALL_K = 32;

/**
 * The k best (distance, index) pairs kept as a sorted array, for small k: same ordering
 * contract, storage and methods as TopK (src/core/topk.ts): smaller distance first, on equal
 * distance the lower index first. An insertion moves on average k/2 entries, which for the
 * k <= 32 of most k-NN queries is cheaper than a heap's sift (fewer branches, and the k-th
 * best is read straight from the last slot).
 */
export class SortedTopK extends PairBuffer {
  /** The current k-th best distance (Infinity until full). */
  worst(): number {
    return this.size < this.cap ? Infinity : this.dist[this.cap - 1];
  }

  push(d: number, i: number): void {
    const dist = this.dist, idx = this.idx;
    let pos: number;
    if (this.size < this.cap) pos = this.size++;
    else {
      pos = this.cap - 1;
      const wd = dist[pos];
      if (d > wd || (d === wd && i >= idx[pos])) return;
    }
    // shift worse entries one slot right, then drop (d, i) in
    while (pos > 0) {
      const pd = dist[pos - 1];
      if (pd < d || (pd === d && idx[pos - 1] < i)) break;
      dist[pos] = pd; idx[pos] = idx[pos - 1];
      pos--;
    }
    dist[pos] = d; idx[pos] = i;
  }

  /** Copies the entries (already sorted best-first) out and empties the list; returns the count. */
  drainSorted(outIdx: Int32Array, outDist: Float32Array | Float64Array, offset = 0): number {
    const n = this.size;
    for (let t = 0; t < n; t++) { outIdx[offset + t] = this.idx[t]; outDist[offset + t] = this.dist[t]; }
    this.size = 0;
    return n;
  }
}
