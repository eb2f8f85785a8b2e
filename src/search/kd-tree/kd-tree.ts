import type { MatrixInput } from '../../core/data.js';
import { KnnkitError, checkInteger, checkNumber } from '../../core/errors.js';
import { TopK } from '../../core/topk.js';
import type { Metric, MetricSpec } from '../../metrics/types.js';
import { resolveMetric } from '../../metrics/registry.js';
import { SearchResult, RadiusResult } from '../results.js';
import type { NeighborIndex, ParallelOptions, SearchParams } from '../types.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { filterMask, searchTreeParallel } from './parallel.js';
import { buildLayout, layoutBytes, type TreeLayout } from './layout.js';
import { BOUND_GUARD, checkLeafSize, denseQueries, denseTreeData } from './common.js';
import {
  KERNEL_L1, KERNEL_L2, KERNEL_LINF, RadiusCollector, pointKernel, pointReduced,
  scanGeneric, scanL1, scanL2, scanL2Early, scanLinf, type IdFilter, type NeighborHeap,
} from './scan.js';
import { SMALL_K, SortedTopK } from './sorted-topk.js';

export interface KDTreeOptions {
  /** A metric of the Minkowski family (euclidean, sqeuclidean, manhattan, chebyshev, minkowski p). */
  metric?: MetricSpec;
  /** Leaves hold between leafSize/2 and 2 leafSize points (default 40, as scikit-learn). */
  leafSize?: number;
}

/** Names accepted by the KD-tree, for error messages (scikit-learn's KDTree.valid_metrics). */
export const KD_TREE_METRICS = ['euclidean', 'sqeuclidean', 'manhattan', 'chebyshev', 'minkowski (p >= 1)'] as const;

/**
 * Exact k-NN by a KD-tree (Bentley 1975; Friedman, Bentley & Finkel 1977) in scikit-learn's
 * flat form: median splits on the widest dimension, a bounding box per node, depth-first
 * search visiting the nearer child first and pruning a node only when its box lower bound is
 * strictly greater than the current k-th reduced distance. Results are identical to
 * BruteForce's (same reduced distances, ties by lower index).
 *
 * Metrics: those with per-axis structure (`metric.minkowskiP`): for a point x in a box
 * [lo, hi] and query q, |q_j - x_j| >= gap_j = max(lo_j - q_j, q_j - hi_j, 0) on every axis,
 * so sum_j gap_j^p (max_j gap_j for p = Infinity) bounds the reduced distance from below.
 */
export class KDTree implements NeighborIndex {
  readonly kind = 'kd-tree';
  readonly exact = true;
  readonly metric: Metric;
  readonly leafSize: number;
  readonly size: number;
  readonly dim: number;
  private readonly tree: TreeLayout;
  private readonly kernel: number;
  /** Exponent used by the box bounds: 1, 2, Infinity or p. */
  private readonly p: number;

  constructor(data: MatrixInput, opts: KDTreeOptions = {}) {
    const m = denseTreeData(data, 'KD-tree');
    this.leafSize = checkLeafSize(opts.leafSize);
    this.metric = resolveMetric(opts.metric ?? 'euclidean', m);
    if (this.metric.minkowskiP === undefined) {
      throw new KnnkitError('metric', `metric: got ${JSON.stringify(this.metric.name)}; the KD-tree supports ${KD_TREE_METRICS.join(', ')}; use 'ball-tree' for other true metrics or 'brute' for any metric`);
    }
    this.p = this.metric.minkowskiP;
    this.kernel = pointKernel(this.metric);
    this.size = m.rows;
    this.dim = m.cols;
    this.tree = buildLayout(m.data, m.rows, m.cols, this.leafSize);
  }

  search(queries: MatrixInput, k: number, params: SearchParams = {}): SearchResult {
    checkInteger('k', k, 1);
    const q = denseQueries(queries, this.dim, 'KD-tree');
    const kk = Math.min(k, this.size);
    const res = SearchResult.empty(q.rows, kk);
    this.searchRows(q, 0, q.rows, kk, params.filter ?? null, res.indices, res.distances, 0);
    return res;
  }

  /**
   * `search` on worker threads (default: all cores) sharing the tree arrays through
   * SharedArrayBuffer; returns exactly what `search` returns. One thread, few queries, or a
   * metric object outside the registry run in the calling thread.
   */
  async searchAsync(queries: MatrixInput, k: number, params: SearchParams & ParallelOptions = {}): Promise<SearchResult> {
    checkInteger('k', k, 1);
    if (params.threads !== undefined) checkInteger('threads', params.threads, 1, 1024);
    const q = denseQueries(queries, this.dim, 'KD-tree');
    const kk = Math.min(k, this.size);
    const res = await searchTreeParallel(this, () => ({ kind: 'kd-tree', metric: this.metric, leafSize: this.leafSize, layout: this.tree }),
      q, kk, filterMask(params.filter, this.size), params.threads);
    return res ?? this.search(q, k, params);
  }

  /** @internal Wraps an already built layout (worker threads of searchAsync): no rebuild. */
  static fromLayout(layout: TreeLayout, metric: Metric, leafSize: number): KDTree {
    const t = Object.create(KDTree.prototype) as KDTree;
    const w = t as unknown as Record<string, unknown>;
    w.kind = 'kd-tree'; w.exact = true; w.metric = metric; w.leafSize = leafSize;
    w.size = layout.perm.length; w.dim = layout.nNodes > 0 ? layout.lower.length / layout.nNodes : 0;
    w.tree = layout; w.p = metric.minkowskiP; w.kernel = pointKernel(metric);
    return t;
  }

  /**
   * @internal k-NN of query rows [q0, q1) (k already clamped) into outIdx/outDist at row
   * (q - outRow0); unfilled slots keep what the caller put there (-1 / Infinity).
   */
  searchRows(q: DenseMatrix, q0: number, q1: number, kk: number, filter: IdFilter,
    outIdxAll: Int32Array, outDistAll: Float32Array, outRow0: number): void {
    const d = this.dim, t = this.tree;
    const heap = kk <= SMALL_K ? new SortedTopK(kk) : new TopK(kk);
    const qv = new Float64Array(d);
    const stackNode = new Int32Array(2 * t.nLevels + 2);
    const stackBound = new Float64Array(2 * t.nLevels + 2);
    const outIdx = new Int32Array(kk), outDist = new Float64Array(kk);
    const toDist = this.metric.reducedToDistance;
    const order = this.localityOrder(q.data, q0, q1);
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
    const q = denseQueries(queries, this.dim, 'KD-tree');
    const rr = this.metric.distanceToReduced(r);
    const d = this.dim, t = this.tree, kernel = this.kernel, reduced = this.metric.reduced;
    const offsets = new Int32Array(q.rows + 1);
    const out = new RadiusCollector();
    const qv = new Float64Array(d);
    const stack = new Int32Array(2 * t.nLevels + 2);
    const filter: IdFilter = params.filter ?? null;
    for (let qi = 0; qi < q.rows; qi++) {
      const qOff = qi * d;
      for (let j = 0; j < d; j++) qv[j] = q.data[qOff + j];
      const start = out.length;
      let sp = 0;
      stack[sp++] = 0;
      while (sp > 0) {
        const node = stack[--sp];
        if (this.boxBound(qv, node) * BOUND_GUARD > rr) continue;
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

  memoryUsage(): number {
    return layoutBytes(this.tree, true);
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
    const early = d >= 8;
    let worst = Infinity;
    let sp = 0;
    stackNode[0] = 0; stackBound[0] = 0; sp = 1;
    while (sp > 0) {
      sp--;
      const node = stackNode[sp];
      if (stackBound[sp] > worst) continue;
      if (node >= firstLeaf) {
        const s = t.nodeStart[node], e = t.nodeEnd[node];
        if (kernel === KERNEL_L2) worst = early ? scanL2Early(qv, pts, perm, s, e, d, heap, worst, filter) : scanL2(qv, pts, perm, s, e, d, heap, worst, filter);
        else if (kernel === KERNEL_L1) worst = scanL1(qv, pts, perm, s, e, d, heap, worst, filter);
        else if (kernel === KERNEL_LINF) worst = scanLinf(qv, pts, perm, s, e, d, heap, worst, filter);
        else worst = scanGeneric(reduced, qArr, qOff, pts, perm, s, e, d, heap, worst, filter);
        continue;
      }
      const l = 2 * node + 1, r = l + 1;
      const bl = this.boxBound(qv, l) * BOUND_GUARD, br = this.boxBound(qv, r) * BOUND_GUARD;
      if (bl <= br) {
        if (br <= worst) { stackNode[sp] = r; stackBound[sp] = br; sp++; }
        if (bl <= worst) { stackNode[sp] = l; stackBound[sp] = bl; sp++; }
      } else {
        if (bl <= worst) { stackNode[sp] = l; stackBound[sp] = bl; sp++; }
        if (br <= worst) { stackNode[sp] = r; stackBound[sp] = br; sp++; }
      }
    }
  }

  /**
   * The batch is processed leaf by leaf: each query is routed to the leaf its descent reaches
   * (by the split axis and value at every level) and queries are visited grouped by that leaf, so consecutive
   * searches touch the same tree nodes and rows while they are still in cache. The answers do
   * not depend on the order; only the speed does.
   */
  private localityOrder(qData: Float32Array, q0: number, q1: number): Int32Array {
    const nq = q1 - q0;
    const order = new Int32Array(nq);
    const t = this.tree, d = this.dim;
    if (nq < 64 || t.firstLeaf === 0) { for (let i = 0; i < nq; i++) order[i] = q0 + i; return order; }
    const nLeaves = t.nNodes - t.firstLeaf;
    const leafOf = new Int32Array(nq);
    const counts = new Int32Array(nLeaves + 1);
    for (let i = 0; i < nq; i++) {
      const off = (q0 + i) * d;
      let node = 0;
      while (node < t.firstLeaf) node = 2 * node + (qData[off + t.splitDim[node]] < t.splitValue[node] ? 1 : 2);
      leafOf[i] = node - t.firstLeaf;
      counts[leafOf[i] + 1]++;
    }
    for (let i = 0; i < nLeaves; i++) counts[i + 1] += counts[i];
    for (let i = 0; i < nq; i++) order[counts[leafOf[i]]++] = q0 + i;
    return order;
  }

  /**
   * Lower bound of the reduced distance from the query to any point in the node's box. The
   * per-axis gaps are summed in axis order, as the point kernels sum their terms, so (floating
   * point addition and rounding being monotone) the bound never exceeds a point's value.
   */
  private boxBound(q: Float64Array, node: number): number {
    const lo = this.tree.lower, hi = this.tree.upper, d = this.dim, b = node * d, p = this.p;
    let acc = 0;
    if (p === 2) {
      for (let j = 0; j < d; j++) {
        const x = q[j], a = lo[b + j] - x, c = x - hi[b + j];
        const g = a > 0 ? a : c > 0 ? c : 0;
        acc += g * g;
      }
    } else if (p === 1) {
      for (let j = 0; j < d; j++) {
        const x = q[j], a = lo[b + j] - x, c = x - hi[b + j];
        acc += a > 0 ? a : c > 0 ? c : 0;
      }
    } else if (p === Infinity) {
      for (let j = 0; j < d; j++) {
        const x = q[j], a = lo[b + j] - x, c = x - hi[b + j];
        const g = a > 0 ? a : c > 0 ? c : 0;
        if (g > acc) acc = g;
      }
    } else {
      for (let j = 0; j < d; j++) {
        const x = q[j], a = lo[b + j] - x, c = x - hi[b + j];
        const g = a > 0 ? a : c > 0 ? c : 0;
        if (g > 0) acc += Math.pow(g, p);
      }
    }
    return acc;
  }
}
