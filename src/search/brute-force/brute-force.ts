import type { Matrix, MatrixInput } from '../../core/data.js';
import { toMatrix } from '../../core/data.js';
import { checkInteger, checkNumber, invalidParam } from '../../core/errors.js';
import { filterMask } from '../shared/filter.js';
import { clampK, checkThreads } from '../shared/search-args.js';
import { sortByDistanceThenIndex } from '../../core/topk.js';
import type { Metric, MetricSpec } from '../../metrics/types.js';
import { resolveMetric } from '../../metrics/registry.js';
import { SearchResult, RadiusResult } from '../results.js';
import type { NeighborIndex, SearchParams, ParallelOptions } from '../types.js';
import { BruteCore } from './core.js';
import { DotScanner } from './dot-scanner.js';
import { PanelStore } from './panel-store.js';

export interface BruteForceOptions {
  metric?: MetricSpec;
  /**
   * Use the WebAssembly SIMD kernels when available (default true). false forces the pure-TS
   * path for this index (as KNNKIT_WASM=off does for the whole process).
   */
  wasm?: boolean;
}

/**
 * Exact search by scanning every point: the oracle every other engine is tested against.
 *
 * Dense L2 / squared L2 / inner product / cosine go through the norms + matrix-product form in
 * a blocked WebAssembly SIMD kernel (4 queries x 8 rows register tile; L1 / Linf / Hamming use
 * the same tile) that pre-selects, per query, every row whose value can reach the k-th (a
 * proven float32 error bound), and the pre-selected rows are re-ranked with the metric's
 * float64 kernel: results are bit-identical to scanning every row with `metric.reduced` (ties
 * by lower index). Sparse data uses an inverted column index; other metrics use blocked scalar
 * loops. `searchAsync` spreads the queries over worker threads that share the base vectors
 * (SharedArrayBuffer). Kernel choice: `kernelPath`; KNNKIT_WASM=off or `{ wasm: false }`
 * forces the pure-TS path.
 *
 * Memory: a dense base on the WebAssembly path is held once, in the kernel's packed panel
 * layout in a (shared) WebAssembly memory that every worker thread of `searchAsync` reads; the
 * input array is not kept (`getVector` reads rows back from the panels). `BruteForce.fromRows`
 * lets the caller write the rows straight into that memory, so that not even a transient
 * second copy exists.
 *
 * k larger than the number of points is clamped (no error). With a `filter` that leaves fewer
 * than k points, the unfilled slots hold index -1 and distance Infinity.
 */
export class BruteForce implements NeighborIndex {
  readonly kind = 'brute';
  readonly exact = true;
  readonly metric: Metric;
  private core: BruteCore;
  private readonly useWasm: boolean;

  constructor(data: MatrixInput, opts: BruteForceOptions = {}, /** @internal see fromRows */ adopt?: PanelStore) {
    const d = toMatrix(data, { name: 'data' });
    this.metric = resolveMetric(opts.metric ?? 'euclidean', d.kind === 'dense' ? d : undefined);
    if (d.kind === 'csr' && !this.metric.sparseReduced) {
      throw invalidParam('metric', this.metric.name, 'a metric with a sparse kernel for CSR data (euclidean, sqeuclidean, manhattan, cosine, ip, minkowski with p = 1 or 2)');
    }
    this.useWasm = opts.wasm ?? true;
    this.core = new BruteCore(d, this.metric, { wasm: this.useWasm, adopt });
  }

  /**
   * An index over `rows` x `cols` dense rows that `write` puts straight into the index's own
   * memory: `write(out)` receives a row-major Float32Array of rows x cols (zeroed) and fills it;
   * on the WebAssembly path `out` lies in the kernel's memory and is packed there in place, so
   * the index never holds a second copy, not even while it is built (1M x 128: 488 MiB, not
   * twice that). `out` must not be used after `write` returns. Same options and results as
   * `new BruteForce(rows, opts)`.
   */
  static fromRows(rows: number, cols: number, write: (out: Float32Array) => void, opts: BruteForceOptions = {}): BruteForce {
    checkInteger('rows', rows, 1);
    checkInteger('cols', cols, 1);
    let store: PanelStore | null = null;
    if ((opts.wasm ?? true) && !DotScanner.small(rows, cols)) {
      try { store = PanelStore.create(rows, cols); } catch (e) { if (!(e instanceof RangeError)) throw e; }
    }
    const out = store ? store.rowMajor() : new Float32Array(rows * cols);
    write(out);
    return new BruteForce({ kind: 'dense', data: out, rows, cols }, opts, store ?? undefined);
  }

  get size(): number { return this.core.rows; }
  get dim(): number { return this.core.cols; }

  /** A copy of indexed row j (dense bases: from the panels when they are the only copy; CSR rows densified). */
  getVector(j: number): Float32Array {
    checkInteger('j', j, 0, this.size - 1);
    return this.core.row(j);
  }

  /** Which kernel path serves this index: "relaxed" / "simd" (WebAssembly), "ts", "sparse" or "scalar". */
  get kernelPath(): string { return this.core.path; }

  search(queries: MatrixInput, k: number, params: SearchParams = {}): SearchResult {
    const kk = clampK(k, this.size);
    const q = toMatrix(queries, { name: 'queries', cols: this.dim });
    const res = SearchResult.empty(q.rows, kk);
    this.core.search(q, 0, q.rows, kk, this.mask(params), res.indices, res.distances);
    return res;
  }

  /**
   * `search` on worker threads (default: os.availableParallelism()), the base vectors shared
   * through SharedArrayBuffer; returns exactly what `search` returns. threads = 1, few queries,
   * or a metric object that cannot be sent to a worker run in the calling thread.
   */
  async searchAsync(queries: MatrixInput, k: number, params: SearchParams & ParallelOptions = {}): Promise<SearchResult> {
    const kk = clampK(k, this.size);
    checkThreads(params.threads);
    const q = toMatrix(queries, { name: 'queries', cols: this.dim });
    const allowed = this.mask(params);
    // loaded on demand: the worker-thread machinery imports node:worker_threads, which the
    // synchronous API (and a browser bundle) does not need
    const { searchParallel } = await import('./parallel.js');
    const res = await searchParallel(this, q, kk, allowed, params.threads);
    if (res) return res;
    const out = SearchResult.empty(q.rows, kk);
    this.core.search(q, 0, q.rows, kk, allowed, out.indices, out.distances);
    return out;
  }

  radiusSearch(queries: MatrixInput, r: number, params: SearchParams = {}): RadiusResult {
    checkNumber('r', r, 0);
    const q = toMatrix(queries, { name: 'queries', cols: this.dim });
    const rr = this.metric.distanceToReduced(r);
    const rows = this.core.radius(q, 0, q.rows, rr, this.mask(params));
    const offsets = new Int32Array(q.rows + 1);
    for (let i = 0; i < q.rows; i++) offsets[i + 1] = offsets[i] + rows.idx[i].length;
    const idx = new Int32Array(offsets[q.rows]), dist = new Float32Array(offsets[q.rows]);
    for (let i = 0; i < q.rows; i++) {
      const ii = rows.idx[i], dd = rows.red[i];
      sortByDistanceThenIndex(ii, dd);
      const o = offsets[i];
      idx.set(ii, o);
      for (let t = 0; t < ii.length; t++) dist[o + t] = this.metric.reducedToDistance(dd[t]);
    }
    return new RadiusResult(offsets, idx, dist);
  }

  /**
   * Whether memoryUsage() counts the input rows themselves: true when the engine scans the
   * caller's array in place (small bases, the TypeScript path), false when its packed store is
   * a copy of its own (large bases: the caller's array is not kept by the engine).
   */
  get countsInputRows(): boolean {
    return !this.core.scanner?.store;
  }

  memoryUsage(): number {
    return this.core.memoryUsage();
  }

  /** @internal what worker threads need to rebuild this engine (see ./parallel.ts). */
  get internals(): { data: Matrix; metric: Metric; core: BruteCore; wasm: boolean } {
    return { data: this.core.data, metric: this.metric, core: this.core, wasm: this.useWasm };
  }

  /** The per-call filter as a mask over the indexed points (every kernel path reads it so). */
  private mask(params: SearchParams): Uint8Array | null {
    return filterMask(params.filter, this.size);
  }
}
