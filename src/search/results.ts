/**
 * k-NN results for a batch of queries, flat and row-major: row q occupies [q * k, (q + 1) * k).
 * When fewer than k neighbours exist (k > n is clamped, an HNSW filter allows fewer), `k` is
 * the clamped width and unfilled slots hold index -1 and distance Infinity.
 */
export class SearchResult {
  constructor(
    readonly indices: Int32Array,
    readonly distances: Float32Array,
    readonly nQueries: number,
    readonly k: number,
  ) {}

  static empty(nQueries: number, k: number): SearchResult {
    const r = new SearchResult(new Int32Array(nQueries * k).fill(-1), new Float32Array(nQueries * k).fill(Infinity), nQueries, k);
    return r;
  }

  /** Views (no copy) of query q's neighbours, nearest first. */
  row(q: number): { indices: Int32Array; distances: Float32Array } {
    return { indices: this.indices.subarray(q * this.k, (q + 1) * this.k), distances: this.distances.subarray(q * this.k, (q + 1) * this.k) };
  }
}

/**
 * Radius-search results: variable-length rows in CSR form. Row q's neighbours are
 * indices[offsets[q] .. offsets[q+1]), sorted by distance then index.
 */
export class RadiusResult {
  constructor(
    readonly offsets: Int32Array,
    readonly indices: Int32Array,
    readonly distances: Float32Array,
  ) {}

  get nQueries(): number { return this.offsets.length - 1; }

  row(q: number): { indices: Int32Array; distances: Float32Array } {
    const s = this.offsets[q], e = this.offsets[q + 1];
    return { indices: this.indices.subarray(s, e), distances: this.distances.subarray(s, e) };
  }
}
