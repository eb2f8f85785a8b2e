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
 * The `X omitted` form of kneighbors (scikit-learn's convention): `res` holds every training
 * point's k + 1 nearest points, point q queried as row q; drops the point itself from its row,
 * or, when more than k + 1 exact duplicates hide it, the first neighbour (a duplicate at
 * distance 0). Returns rows of k.
 */
export function withoutSelf(res: SearchResult, k: number): SearchResult {
  const n = res.nQueries, w = res.k;
  const out = SearchResult.empty(n, k);
  for (let q = 0; q < n; q++) {
    let skip = res.indices.subarray(q * w, q * w + w).indexOf(q);
    if (skip < 0) skip = 0;
    for (let j = 0, t = 0; j < w && t < k; j++) {
      if (j === skip) continue;
      out.indices[q * k + t] = res.indices[q * w + j];
      out.distances[q * k + t] = res.distances[q * w + j];
      t++;
    }
  }
  return out;
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
