import { KnnkitError } from '../core/errors.js';

/**
 * k-NN results for a batch of queries, flat and row-major: row q occupies [q * k, (q + 1) * k).
 * When fewer than k neighbours exist (k > n is clamped, an HNSW filter allows fewer), `k` is
 * the clamped width and unfilled slots hold index -1 and distance Infinity.
 */
export class SearchResult {
  private idx: Int32Array | null;
  private wide: Float64Array | null;

  /**
   * `ids` is an Int32Array (every id fits in int32, the common case) or a Float64Array (ids up
   * to 2^53 - 1, from an index whose external ids are that large).
   */
  constructor(
    ids: Int32Array | Float64Array,
    readonly distances: Float32Array,
    readonly nQueries: number,
    readonly k: number,
  ) {
    this.idx = ids instanceof Int32Array ? ids : null;
    this.wide = ids instanceof Float64Array ? ids : null;
  }

  static empty(nQueries: number, k: number): SearchResult {
    const r = new SearchResult(new Int32Array(nQueries * k).fill(-1), new Float32Array(nQueries * k).fill(Infinity), nQueries, k);
    return r;
  }

  /**
   * Neighbour ids as int32 (-1 = no neighbour). For results holding ids beyond int32, use `ids`
   * (a KnnkitError says so here).
   */
  get indices(): Int32Array {
    if (!this.idx) this.idx = narrowIds(this.wide!);
    return this.idx;
  }

  /** Neighbour ids as a Float64Array (any id up to 2^53 - 1; -1 = no neighbour). */
  get ids(): Float64Array {
    if (!this.wide) this.wide = Float64Array.from(this.idx!);
    return this.wide;
  }

  /** True when some id needs `ids` (does not fit in int32). */
  get wideIds(): boolean { return this.idx === null; }

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
  private idx: Int32Array | null;
  private wide: Float64Array | null;

  constructor(
    readonly offsets: Int32Array,
    ids: Int32Array | Float64Array,
    readonly distances: Float32Array,
  ) {
    this.idx = ids instanceof Int32Array ? ids : null;
    this.wide = ids instanceof Float64Array ? ids : null;
  }

  get nQueries(): number { return this.offsets.length - 1; }

  /** Ids as int32; see SearchResult.indices. */
  get indices(): Int32Array {
    if (!this.idx) this.idx = narrowIds(this.wide!);
    return this.idx;
  }

  /** Ids as a Float64Array (any id up to 2^53 - 1). */
  get ids(): Float64Array {
    if (!this.wide) this.wide = Float64Array.from(this.idx!);
    return this.wide;
  }

  row(q: number): { indices: Int32Array; distances: Float32Array } {
    const s = this.offsets[q], e = this.offsets[q + 1];
    return { indices: this.indices.subarray(s, e), distances: this.distances.subarray(s, e) };
  }
}

/** Wide ids as int32, or a KnnkitError naming `ids` when one does not fit. */
function narrowIds(w: Float64Array): Int32Array {
  const out = new Int32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    if (w[i] > 0x7fffffff) throw new KnnkitError('indices', `indices: id ${w[i]} does not fit in an Int32Array; read result.ids (a Float64Array) for ids above 2^31 - 1`);
    out[i] = w[i];
  }
  return out;
}
