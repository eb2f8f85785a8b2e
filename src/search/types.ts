import type { MatrixInput } from '../core/data.js';
import type { Metric } from '../metrics/types.js';
import type { SearchResult, RadiusResult } from './results.js';

/** Per-call search parameters (FAISS style: never stored as mutable index state). */
export interface SearchParams {
  /** HNSW beam width (ignored by exact engines). Raised to k when smaller. */
  ef?: number;
  /** Only ids for which this returns true may be returned (evaluated during the search). */
  filter?: (id: number) => boolean;
}

export interface ParallelOptions {
  /** Worker threads (default: all cores). 1 runs in the calling thread. */
  threads?: number;
}

/**
 * The one interface every search engine implements: brute force, KD-tree, ball tree, HNSW.
 * Batch-first: queries are a matrix (n_queries x d); results are flat typed arrays.
 * Exact engines return exactly what BruteForce returns: sorted by distance, ties by lower index.
 * k larger than the number of indexed points is clamped to that number (no error).
 */
export interface NeighborIndex {
  /** Engine name as used by the CLI: "brute", "kd-tree", "ball-tree", "hnsw". */
  readonly kind: string;
  readonly metric: Metric;
  /** Number of searchable (live) points. */
  readonly size: number;
  /** Dimension of the indexed vectors. */
  readonly dim: number;
  /** True for engines whose answers are exact. */
  readonly exact: boolean;

  search(queries: MatrixInput, k: number, params?: SearchParams): SearchResult;
  /** All points within distance r (inclusive: d <= r), sorted by distance then index. */
  radiusSearch(queries: MatrixInput, r: number, params?: SearchParams): RadiusResult;
  /** Batch search on worker threads (SharedArrayBuffer); same results as `search`. */
  searchAsync?(queries: MatrixInput, k: number, params?: SearchParams & ParallelOptions): Promise<SearchResult>;
  /** Bytes held by the index (vectors, tree or graph arrays). */
  memoryUsage(): number;
}
