/**
 * The walk's visited set for one query: open addressing over an Int32Array of a power-of-two
 * capacity (empty = -1, linear probing, Fibonacci hashing), grown at half load and emptied per
 * query. A query meets a few thousand nodes (L plus the out-lists of the nodes it expands), so
 * the table stays in the core's caches, where one tag per node (4 bytes x n: 8 MB at 2M) is a
 * cache miss per neighbour, beside the miss for the neighbour's PQ code (DiskANN keeps its
 * visited set as a hash set too).
 */
export class VisitedSet {
  private keys: Int32Array;
  private mask: number;
  private shift: number;
  private count = 0;

  constructor(capacity = 4096) {
    let c = 16;
    while (c < capacity) c <<= 1;
    this.keys = new Int32Array(c).fill(-1);
    this.mask = c - 1;
    this.shift = 32 - Math.log2(c);
  }

  get bytes(): number { return this.keys.byteLength; }

  clear(): void {
    if (this.count > 0) this.keys.fill(-1);
    this.count = 0;
  }

  /** Adds v (>= 0); true when it was not in the set. */
  add(v: number): boolean {
    const keys = this.keys, mask = this.mask;
    let i = Math.imul(v, 0x9e3779b1) >>> this.shift;
    for (let k = keys[i]; k !== -1; k = keys[i]) {
      if (k === v) return false;
      i = (i + 1) & mask;
    }
    keys[i] = v;
    if (++this.count * 2 > keys.length) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.keys;
    this.keys = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.keys.length - 1;
    this.shift--;
    const keys = this.keys, mask = this.mask;
    for (let j = 0; j < old.length; j++) {
      const v = old[j];
      if (v === -1) continue;
      let i = Math.imul(v, 0x9e3779b1) >>> this.shift;
      while (keys[i] !== -1) i = (i + 1) & mask;
      keys[i] = v;
    }
  }
}
