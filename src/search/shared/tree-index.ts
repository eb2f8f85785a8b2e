import type { MatrixInput } from '../../core/data.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { KnnkitError, checkNumber } from '../../core/errors.js';
import { TopK } from '../../core/topk.js';
import type { Metric, MetricSpec } from '../../metrics/types.js';
import { resolveMetric } from '../../metrics/registry.js';
import { SearchResult, RadiusResult } from '../results.js';
import type { NeighborIndex, ParallelOptions, SearchParams } from '../types.js';
import type { TreeParts } from '../tree/parallel.js';
import { buildLayout, type TreeLayout } from '../tree/layout.js';
import { checkLeafSize, denseQueries, denseTreeData } from '../tree/common.js';
import {
  KERNEL_L1, KERNEL_L2, KERNEL_LINF, RadiusCollector, pointKernel, pointReduced,
  scanGeneric, scanL1, scanL2, scanL2Early, scanLinf, type IdFilter, type NeighborHeap,
} from '../tree/scan.js';
import { SMALL_K, SortedTopK } from '../tree/sorted-topk.js';
import { filterMask } from './filter.js';
import { clampK, checkThreads } from './search-args.js';
import { leafOrder } from './leaf-order.js';

/** Options both trees take. */
export interface TreeOptions {
  metric?: MetricSpec;
  /** Leaves hold between leafSize/2 and 2 leafSize points (default 40, as scikit-learn). */
  leafSize?: number;
}

/**
 * What KDTree and BallTree have in common: the flat median-split layout (../tree/layout.ts),
 * the leaf scans, and the two search drivers (k-NN depth-first, radius), which only differ in
 * how a node's lower bound is computed. A tree supplies `nodeBound`, a lower bound of the
 * reduced distance from the query to every point of a node (a box gap for the KD-tree, the
 * triangle inequality for the ball tree), already lowered for rounding so that it never exceeds
 * a point's computed value. The drivers prune a node only when that bound is strictly greater
 * than the current k-th distance (or the radius), so results are those of BruteForce: the same
 * reduced distances, ties by lower index, each converted once by `reducedToDistance` into the
 * float32 output.
 *
 * The drivers copy what they read of `this` into locals before their loops and allocate nothing
 * per query or per node; `nodeBound` is the one call per node through `this`.
 */
export abstract class TreeIndex implements NeighborIndex {
  abstract readonly kind: 'kd-tree' | 'ball-tree';
  readonly exact = true;
  readonly metric: Metric;
  readonly leafSize: number;
  readonly size: number;
  readonly dim: number;
  protected readonly tree: TreeLayout;
  /** Which inlined leaf scan reproduces metric.reduced (see ../tree/scan.ts). */
  protected readonly kernel: number;

  /**
   * The preamble of both constructors, in the order its errors are reported: dense data, leaf
   * size, metric (resolved against the data, then `rejectMetric` names what the tree cannot
   * use), then the layout.
   */
  protected constructor(data: MatrixInput, opts: TreeOptions, label: string, rejectMetric: (m: Metric) => string | null) {
    const m = denseTreeData(data, label);
    this.leafSize = checkLeafSize(opts.leafSize);
    this.metric = resolveMetric(opts.metric ?? 'euclidean', m);
    const why = rejectMetric(this.metric);
    if (why !== null) throw new KnnkitError('metric', why);
    this.kernel = pointKernel(this.metric);
    this.size = m.rows;
    this.dim = m.cols;
    this.tree = buildLayout(m.data, m.rows, m.cols, this.leafSize);
  }

  /**
   * A tree of class `proto` over arrays built elsewhere (worker threads of searchAsync), with
   * no constructor run and no rebuild; the caller adds its own fields.
   */
  protected static wrap<T extends TreeIndex>(proto: T, kind: T['kind'], layout: TreeLayout, metric: Metric, leafSize: number, dim: number): T {
    const t = Object.create(proto) as T;
    const w = t as unknown as Record<string, unknown>;
    w.kind = kind; w.exact = true; w.metric = metric; w.leafSize = leafSize;
    w.size = layout.perm.length; w.dim = dim; w.tree = layout; w.kernel = pointKernel(metric);
    return t;
  }

  /** Name of the engine in error messages ("KD-tree", "ball tree"). */
  protected abstract get label(): string;

  /**
   * Lower bound (reduced distance, rounding-guarded) from the query to any point of `node`,
   * whose parent's bound was `parentBound` (0 for the root and in radius search): a tree whose
   * child bound can fall below its parent's may return the larger of the two, the parent's
   * being a lower bound for the child's points too.
   */
  protected abstract nodeBound(qv: Float64Array, qArr: Float32Array, qOff: number, node: number, parentBound: number): number;

  /** The arrays the workers of searchAsync need (shared once per tree). */
  protected abstract workerParts(): TreeParts;

  abstract memoryUsage(): number;

  search(queries: MatrixInput, k: number, params: SearchParams = {}): SearchResult {
    const kk = clampK(k, this.size);
    const q = denseQueries(queries, this.dim, this.label);
    const res = SearchResult.empty(q.rows, kk);
    this.searchRows(q, 0, q.rows, kk, predicate(params.filter), res.indices, res.distances, 0);
    return res;
  }

  /**
   * `search` on worker threads (default: all cores) sharing the tree arrays through
   * SharedArrayBuffer; returns exactly what `search` returns. One thread, few queries, or a
   * metric object outside the registry run in the calling thread.
   */
  async searchAsync(queries: MatrixInput, k: number, params: SearchParams & ParallelOptions = {}): Promise<SearchResult> {
    const kk = clampK(k, this.size);
    checkThreads(params.threads);
    const q = denseQueries(queries, this.dim, this.label);
    // Loaded on first use so the synchronous API never imports node:worker_threads (browsers).
    const { searchTreeParallel } = await import('../tree/parallel.js');
    const res = await searchTreeParallel(this, () => this.workerParts(), q, kk, filterMask(params.filter, this.size), params.threads);
    return res ?? this.search(q, k, params);
  }

  /**
   * @internal k-NN of query rows [q0, q1) (k already clamped) into outIdx/outDist at row
   * (q - outRow0); unfilled slots keep what the caller put there (-1 / Infinity).
   */
  searchRows(q: DenseMatrix, q0: number, q1: number, kk: number, filter: IdFilter,
    outIdxAll: Int32Array, outDistAll: Float32Array, outRow0: number): void {
    const d = this.dim, t = this.tree;
    // Small k: a sorted array beats a heap (see sorted-topk.ts); both keep the same order.
    const heap = kk <= SMALL_K ? new SortedTopK(kk) : new TopK(kk);
    const qv = new Float64Array(d);
    const stackNode = new Int32Array(2 * t.nLevels + 2);
    const stackBound = new Float64Array(2 * t.nLevels + 2);
    const outIdx = new Int32Array(kk), outDist = new Float64Array(kk);
    const toDist = this.metric.reducedToDistance;
    const order = leafOrder(t, d, q.data, q0, q1);
    for (let oi = 0; oi < order.length; oi++) {
      const qi = order[oi];
      const qOff = qi * d;
      for (let j = 0; j < d; j++) qv[j] = q.data[qOff + j];
      heap.reset(kk);
      this.knn(qv, q.data, qOff, heap, stackNode, stackBound, filter);
      const cnt = heap.drainSorted(outIdx, outDist, 0);
      const base = (qi - outRow0) * kk;
      // Same conversion as BruteForce.search: the reduced distance is stored as float32, then
      // mapped to the distance (so the Float32 distances of both engines are bit-identical).
      for (let r = 0; r < cnt; r++) { outIdxAll[base + r] = outIdx[r]; outDistAll[base + r] = toDist(outDist[r]); }
    }
  }

  radiusSearch(queries: MatrixInput, r: number, params: SearchParams = {}): RadiusResult {
    checkNumber('r', r, 0);
    const q = denseQueries(queries, this.dim, this.label);
    const rr = this.metric.distanceToReduced(r);
    const d = this.dim, t = this.tree, kernel = this.kernel, reduced = this.metric.reduced;
    const offsets = new Int32Array(q.rows + 1);
    const out = new RadiusCollector();
    const qv = new Float64Array(d);
    const stack = new Int32Array(2 * t.nLevels + 2);
    const filter: IdFilter = predicate(params.filter);
    for (let qi = 0; qi < q.rows; qi++) {
      const qOff = qi * d;
      for (let j = 0; j < d; j++) qv[j] = q.data[qOff + j];
      const start = out.length;
      let sp = 0;
      stack[sp++] = 0;
      while (sp > 0) {
        const node = stack[--sp];
        if (this.nodeBound(qv, q.data, qOff, node, 0) > rr) continue;
        if (node < t.firstLeaf) { stack[sp++] = 2 * node + 2; stack[sp++] = 2 * node + 1; continue; }
        for (let p = t.nodeStart[node], o = p * d; p < t.nodeEnd[node]; p++, o += d) {
          const red = pointReduced(kernel, reduced, qv, q.data, qOff, t.points, o, d);
          if (red <= rr && (filter === null || filter(t.perm[p]))) out.push(t.perm[p], red);
        }
      }
      out.sortTail(start);
      offsets[qi + 1] = out.length;
    }
    const dist = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++) dist[i] = this.metric.reducedToDistance(out.dist[i]);
    return new RadiusResult(offsets, out.idx.slice(0, out.length), dist);
  }

  /**
   * One query's depth-first search. The stack holds (node, lower bound) pairs; children are
   * pushed far first so the nearer one is popped next, and a popped node is skipped when its
   * bound is strictly greater than the current k-th distance (an equal bound may still hold a
   * tie with a lower index, which must win).
   */
  private knn(qv: Float64Array, qArr: Float32Array, qOff: number, heap: NeighborHeap,
    stackNode: Int32Array, stackBound: Float64Array, filter: IdFilter): void {
    const t = this.tree, d = this.dim, kernel = this.kernel, reduced = this.metric.reduced;
    const firstLeaf = t.firstLeaf, pts = t.points, perm = t.perm;
    // partial-distance early exit pays off only once a row is long enough to cut short
    const early = d >= 8;
    let worst = Infinity;
    let sp = 0;
    stackNode[0] = 0; stackBound[0] = 0; sp = 1;
    while (sp > 0) {
      sp--;
      const node = stackNode[sp];
      const nb = stackBound[sp];
      if (nb > worst) continue;
      if (node >= firstLeaf) {
        const s = t.nodeStart[node], e = t.nodeEnd[node];
        if (kernel === KERNEL_L2) worst = early ? scanL2Early(qv, pts, perm, s, e, d, heap, worst, filter) : scanL2(qv, pts, perm, s, e, d, heap, worst, filter);
        else if (kernel === KERNEL_L1) worst = scanL1(qv, pts, perm, s, e, d, heap, worst, filter);
        else if (kernel === KERNEL_LINF) worst = scanLinf(qv, pts, perm, s, e, d, heap, worst, filter);
        else worst = scanGeneric(reduced, qArr, qOff, pts, perm, s, e, d, heap, worst, filter);
        continue;
      }
      const l = 2 * node + 1, r = l + 1;
      const bl = this.nodeBound(qv, qArr, qOff, l, nb), br = this.nodeBound(qv, qArr, qOff, r, nb);
      if (bl <= br) {
        if (br <= worst) { stackNode[sp] = r; stackBound[sp] = br; sp++; }
        if (bl <= worst) { stackNode[sp] = l; stackBound[sp] = bl; sp++; }
      } else {
        if (bl <= worst) { stackNode[sp] = l; stackBound[sp] = bl; sp++; }
        if (br <= worst) { stackNode[sp] = r; stackBound[sp] = br; sp++; }
      }
    }
  }
}

/** The per-call filter as the leaf scans' predicate (the index contract passes a ready byte mask). */
function predicate(filter: unknown): IdFilter {
  if (filter === undefined || filter === null) return null;
  if (filter instanceof Uint8Array) return (i: number) => filter[i] === 1;
  return filter as IdFilter;
}
