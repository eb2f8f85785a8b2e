/**
 * Storage of the k best (distance, index) pairs, common to TopK (a heap) and SortedTopK (a
 * sorted array, src/search/tree/sorted-topk.ts): parallel typed arrays sized once and reused
 * for every query by `reset`, so a search loop allocates nothing. The subclasses keep the same
 * ordering contract; only how they keep the entries in order differs.
 */
export abstract class PairBuffer {
  protected dist: Float64Array;
  protected idx: Int32Array;
  protected size = 0;
  protected cap: number;

  constructor(capacity: number) {
    this.cap = capacity;
    this.dist = new Float64Array(Math.max(1, capacity));
    this.idx = new Int32Array(Math.max(1, capacity));
  }

  /** Empties the buffer for a new query keeping up to k pairs (grows the arrays only if k does). */
  reset(k: number): void {
    if (k > this.dist.length) {
      this.dist = new Float64Array(k);
      this.idx = new Int32Array(k);
    }
    this.cap = k;
    this.size = 0;
  }

  get count(): number { return this.size; }
}

/**
 * Bounded max-heap keeping the k smallest (distance, index) pairs, ordered lexicographically:
 * smaller distance first, and on equal distance the lower index first. This one ordering is the
 * contract that makes every exact engine return exactly the same neighbours.
 *
 * Allocation-free after construction: reuse one heap per query with `reset(k)`.
 */
export class TopK extends PairBuffer {
  get capacity(): number { return this.cap; }
  get full(): boolean { return this.size >= this.cap; }

  /** The current k-th best distance (Infinity until full): prune anything strictly worse. */
  worst(): number {
    return this.size < this.cap ? Infinity : this.dist[0];
  }

  /** Index of the current worst entry (for tie checks), -1 when not full. */
  worstIndex(): number {
    return this.size < this.cap ? -1 : this.idx[0];
  }

  /** Would (d, i) enter the heap? */
  accepts(d: number, i: number): boolean {
    if (this.size < this.cap) return true;
    const wd = this.dist[0];
    return d < wd || (d === wd && i < this.idx[0]);
  }

  push(d: number, i: number): void {
    if (this.cap === 0) return;
    if (this.size < this.cap) {
      let pos = this.size++;
      // sift up
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (!worse(d, i, this.dist[parent], this.idx[parent])) break;
        this.dist[pos] = this.dist[parent]; this.idx[pos] = this.idx[parent];
        pos = parent;
      }
      this.dist[pos] = d; this.idx[pos] = i;
      return;
    }
    if (!this.accepts(d, i)) return;
    // replace root, sift down
    let pos = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && worse(this.dist[r], this.idx[r], this.dist[l], this.idx[l])) c = r;
      if (!worse(this.dist[c], this.idx[c], d, i)) break;
      this.dist[pos] = this.dist[c]; this.idx[pos] = this.idx[c];
      pos = c;
    }
    this.dist[pos] = d; this.idx[pos] = i;
  }

  /**
   * Writes the entries sorted best-first into the output arrays at `offset` and returns the
   * count. Empties the heap.
   */
  drainSorted(outIdx: Int32Array, outDist: Float32Array | Float64Array, offset = 0): number {
    const n = this.size;
    // heap-sort in place: repeatedly move the worst to the end
    for (let end = n - 1; end >= 0; end--) {
      outIdx[offset + end] = this.idx[0];
      outDist[offset + end] = this.dist[0];
      const ld = this.dist[end], li = this.idx[end];
      this.size = end;
      let pos = 0;
      for (;;) {
        const l = 2 * pos + 1;
        if (l >= end) break;
        const r = l + 1;
        let c = l;
        if (r < end && worse(this.dist[r], this.idx[r], this.dist[l], this.idx[l])) c = r;
        if (!worse(this.dist[c], this.idx[c], ld, li)) break;
        this.dist[pos] = this.dist[c]; this.idx[pos] = this.idx[c];
        pos = c;
      }
      this.dist[pos] = ld; this.idx[pos] = li;
    }
    this.size = 0;
    return n;
  }
}

/** true when (d1, i1) ranks after (d2, i2). */
function worse(d1: number, i1: number, d2: number, i2: number): boolean {
  return d1 > d2 || (d1 === d2 && i1 > i2);
}

/** Sorts parallel (index, distance) arrays in place by (distance, index). */
export function sortByDistanceThenIndex(idx: Int32Array, dist: Float32Array | Float64Array, start = 0, end = idx.length): void {
  const n = end - start;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const d = dist.slice(start, end);
  const ix = idx.slice(start, end);
  order.sort((a, b) => (d[a] - d[b]) || (ix[a] - ix[b]));
  for (let i = 0; i < n; i++) { idx[start + i] = ix[order[i]]; dist[start + i] = d[order[i]]; }
}
