/**
 * The L hash tables as flat sorted arrays (no per-bucket objects, so they persist as two
 * sections and load as views): table t holds the points' 32-bit bucket keys sorted ascending
 * in keys[t n .. (t + 1) n) and the matching labels in labels[t n .. (t + 1) n). A bucket is
 * the run of one key, found by binary search. Adding m points merges their sorted keys into
 * each table (O(L (n + m)), new arrays).
 */
export class BucketTables {
  constructor(
    readonly tables: number,
    public n: number,
    public keys: Uint32Array,
    public labels: Int32Array,
  ) {}

  static empty(tables: number): BucketTables {
    return new BucketTables(tables, 0, new Uint32Array(0), new Int32Array(0));
  }

  /** Merges m new points: newKeys[t m + i] is the key of newLabels[i] in table t. */
  merge(newKeys: Uint32Array, newLabels: Int32Array): void {
    const L = this.tables, n = this.n, m = newLabels.length, N = n + m;
    const keys = new Uint32Array(L * N), labels = new Int32Array(L * N);
    const order = new Int32Array(m);
    for (let t = 0; t < L; t++) {
      for (let i = 0; i < m; i++) order[i] = i;
      const base = t * m;
      order.sort((a, b) => (newKeys[base + a] - newKeys[base + b]) || (newLabels[a] - newLabels[b]));
      // two-way merge; equal keys keep old (lower) labels first
      let i = 0, j = 0, o = t * N;
      const oldBase = t * n;
      while (i < n || j < m) {
        if (j >= m || (i < n && this.keys[oldBase + i] <= newKeys[base + order[j]])) {
          keys[o] = this.keys[oldBase + i]; labels[o++] = this.labels[oldBase + i]; i++;
        } else {
          keys[o] = newKeys[base + order[j]]; labels[o++] = newLabels[order[j]]; j++;
        }
      }
    }
    this.keys = keys; this.labels = labels; this.n = N;
  }

  /** Start of the bucket `key` in table t (index into keys/labels), or -1 when empty. */
  find(t: number, key: number): number {
    let lo = t * this.n, hi = lo + this.n;
    const keys = this.keys;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < key) lo = mid + 1; else hi = mid;
    }
    return lo < (t + 1) * this.n && keys[lo] === key ? lo : -1;
  }

  /** End (exclusive) of table t's region. */
  end(t: number): number { return (t + 1) * this.n; }

  bytes(): number { return this.keys.byteLength + this.labels.byteLength; }
}
