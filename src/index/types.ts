import type { MatrixInput, Matrix } from '../core/data.js';
import type { DenseMatrix } from '../core/matrix.js';
import type { Metric } from '../metrics/types.js';
import type { SearchResult, RadiusResult } from '../search/results.js';
import type { Section } from './envelope.js';

/**
 * External ids: any integer in [0, 2^53 - 1]. At the boundary a number, an array of numbers,
 * an Int32Array / Uint32Array / Float64Array, or a BigInt64Array / BigUint64Array is accepted
 * (normalised once by ./ids.ts to a Float64Array). String keys (UUIDs) go through `KeyMap`.
 */
export type IdsInput = number | ArrayLike<number> | BigInt64Array | BigUint64Array;

/**
 * One filter form for every family, applied inside the search (never as a post-filter):
 * - a predicate on external ids (evaluated lazily where the family can, e.g. during a graph walk);
 * - a Set of allowed ids, or an array / typed array of allowed ids;
 * - an `IdBitmap` (bit i set = id i allowed), FAISS's IDSelectorBitmap.
 */
export type FilterInput =
  | ((id: number) => boolean)
  | Set<number>
  | readonly number[]
  | Int32Array | Uint32Array | Float64Array | BigInt64Array | BigUint64Array
  | IdBitmapLike;

/** A bitset over external ids: bit (id & 7) of byte id >> 3, least significant bit first. */
export interface IdBitmapLike { readonly bits: Uint8Array }

/** Parameters every family's search accepts; families extend it (HNSW `ef`, IVF `nprobe`, ...). */
export interface BaseSearchParams {
  /** Only these ids may be returned (see FilterInput). */
  filter?: FilterInput;
  /** Worker threads for `searchAsync` (default: the machine's cores; 1 = calling thread). */
  threads?: number;
  /** Any family-specific parameter (validated against the family's declared search parameters). */
  [param: string]: unknown;
}

/** What a family can do, said in advance (a call outside it throws a KnnkitError naming both). */
export interface IndexCapabilities {
  /** Needs (or accepts) `train(sample)` before `add`. */
  readonly train: boolean;
  /** `add` after the index is built. */
  readonly add: boolean;
  /** `remove(ids)`. */
  readonly remove: boolean;
  /** `rangeSearch(queries, r)`. */
  readonly rangeSearch: boolean;
  /** `getVector(id)` reconstructs stored vectors (exactly, or decoded by a lossy codec). */
  readonly getVector: boolean;
  /** `loadIndex(path, { view: true })` / `fromBytes(bytes, { view: true })` search from the bytes. */
  readonly view: boolean;
  /** Sparse (CSR) data accepted. */
  readonly sparse: boolean;
}

/**
 * The one index interface: every family (flat, KD-tree, ball tree, HNSW and the families that
 * follow) is used through it. Batch-first: vectors and queries are matrices, results are flat
 * typed arrays. Ids are external (user) ids, kept apart from the family's internal slots.
 * k larger than the number of live points is clamped (no error); a filter that allows fewer
 * than k points pads the row with id -1 and distance Infinity.
 */
export interface VectorIndex {
  /** The family's registered name ("flat", "kd-tree", "ball-tree", "hnsw", ...). */
  readonly kind: string;
  readonly metric: Metric;
  readonly dim: number;
  /** Live (searchable) points. */
  readonly size: number;
  /** True when every search returns exactly brute force's neighbours. */
  readonly exact: boolean;
  readonly capabilities: IndexCapabilities;
  /** True once the family is trained (always true for families that do not learn). */
  readonly isTrained: boolean;
  /** The family's validated build options (what `knnkit info` prints and what a save stores). */
  readonly options: Readonly<Record<string, unknown>>;

  /** Learns the family's parameters (quantisers, partitions) from a sample. */
  train(sample: MatrixInput): void;
  /** Adds vectors; ids default to consecutive integers after the largest id so far. Returns the ids. */
  add(vectors: MatrixInput, ids?: IdsInput): Float64Array;
  /** Removes ids; returns how many were live. */
  remove(ids: IdsInput): number;
  search(queries: MatrixInput, k: number, params?: BaseSearchParams): SearchResult;
  /** Every point within distance r (inclusive), sorted by distance then id. */
  rangeSearch(queries: MatrixInput, r: number, params?: BaseSearchParams): RadiusResult;
  /** `search` on the shared worker pool (the calling thread where the family has no worker path). */
  searchAsync(queries: MatrixInput, k: number, params?: BaseSearchParams): Promise<SearchResult>;
  has(id: number): boolean;
  /** The stored vector of `id` (decoded); a KnnkitError where the family keeps none. */
  getVector(id: number): Float32Array;
  /** Live ids in internal order. */
  ids(): IterableIterator<number>;
  /** Bytes held in memory (vectors, structure, id map). */
  memoryUsage(): number;
  /** The index as one envelope (./envelope.ts), as `saveIndex` writes it. */
  toBytes(): Uint8Array;
}

/**
 * A family's engine behind the contract: it sees internal labels only (dense int32 assigned by
 * the wrapper, never reused), validated matrices, and an `Allow` (filter + removed points) over
 * labels. The wrapper (./managed-index.ts) owns ids, validation, k clamping, capability errors
 * and persistence framing, so a family implements just its algorithm.
 */
export interface FamilyCore {
  readonly metric: Metric;
  readonly dim: number;
  readonly exact: boolean;
  /** Whether `train` has run (true for families that do not train). */
  readonly isTrained: boolean;
  train?(sample: DenseMatrix): void;
  /** Adds rows with the given (new, ascending) labels. */
  add(data: Matrix, labels: Int32Array): void;
  /**
   * Removes labels. Families without it get tombstones from the wrapper (removed labels are
   * excluded through `Allow`), and `compact` is then the wrapper's rebuild.
   */
  remove?(labels: Int32Array): void;
  /** k nearest per query; SearchResult.indices hold labels (-1 = none). k is already clamped. */
  search(queries: Matrix, k: number, params: Record<string, unknown>, allow: Allow | null): SearchResult;
  rangeSearch?(queries: Matrix, r: number, params: Record<string, unknown>, allow: Allow | null): RadiusResult;
  searchAsync?(queries: Matrix, k: number, params: Record<string, unknown>, allow: Allow | null, threads: number | undefined): Promise<SearchResult>;
  /** The stored vector of a label (decoded), when the family keeps vectors. */
  getVector?(label: number): Float32Array;
  memoryUsage(): number;
  /** What a save writes: JSON state (small) and binary sections (views, not copies). */
  persist(): { state: Record<string, unknown>; sections: Section[] };
  /** Counters of the last search call (disk families: readsPerQuery, p50Ms, p99Ms, ...), for the CLI and benches. */
  searchStats?(): Record<string, number>;
}

/**
 * The points a search may return, over internal labels: the caller's filter combined with the
 * wrapper's tombstones. `test` is always there (lazy, for graph walks); `mask` materialises a
 * byte per label (1 = allowed) for scanning families; `labels` lists the allowed labels when the
 * filter was a set (cheap exact scans of very selective filters).
 */
export interface Allow {
  test(label: number): boolean;
  mask(): Uint8Array;
  /** Allowed labels when known in advance (set / array / bitmap filters), ascending. */
  labels(): Int32Array | null;
  /** Estimated number of allowed live points. */
  readonly estimate: number;
}
