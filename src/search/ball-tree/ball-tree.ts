import type { MatrixInput } from '../../core/data.js';
import { KnnkitError, checkInteger, checkNumber } from '../../core/errors.js';
import { TopK } from '../../core/topk.js';
import type { Metric, MetricSpec } from '../../metrics/types.js';
import { resolveMetric } from '../../metrics/registry.js';
import { SearchResult, RadiusResult } from '../results.js';
import type { NeighborIndex, ParallelOptions, SearchParams } from '../types.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { filterMask, searchTreeParallel } from '../kd-tree/parallel.js';
import { buildLayout, layoutBytes, type TreeLayout } from '../kd-tree/layout.js';
import { checkLeafSize, denseQueries, denseTreeData } from '../kd-tree/common.js';
import {
  KERNEL_L1, KERNEL_L2, KERNEL_LINF, RadiusCollector, pointKernel, pointReduced,
  scanGeneric, scanL1, scanL2, scanL2Early, scanLinf, type IdFilter, type NeighborHeap,
} from '../kd-tree/scan.js';
import { SMALL_K, SortedTopK } from '../kd-tree/sorted-topk.js';
import { fitBalls } from './balls.js';

export interface BallTreeOptions {
  /** Any true metric (triangle inequality): euclidean, manhattan, chebyshev, minkowski, mahalanobis, hamming. */
  metric?: MetricSpec;
  /** Leaves hold between leafSize/2 and 2 leafSize points (default 40, as scikit-learn). */
  leafSize?: number;
}

export const BALL_TREE_METRICS = ['euclidean', 'manhattan', 'chebyshev', 'minkowski (p >= 1)', 'mahalanobis', 'hamming'] as const;

/**
 * Slack subtracted from a triangle-inequality bound, relative to the distances it is made of:
 * the centre distance and the radius are each computed with rounding (Mahalanobis through a
 * d x d product), so the bound is lowered by far more than that before it may prune anything.
 */
const BALL_SLACK = 1e-7;

/**
 * Exact k-NN by a ball tree (Omohundro 1989; Uhlmann 1991) in scikit-learn's flat form: the
 * same balanced median-split layout as the KD-tree, and per node a centre c and radius
 * R = max over its points x of D(c, x). For a true metric D the triangle inequality gives,
 * for every point x of the node, D(q, x) >= D(q, c) - R, a lower bound that needs no per-axis
 * structure, so any true metric of the registry works (Mahalanobis, Hamming, Minkowski p).
 * Nodes are pruned only when that bound is strictly greater than the current k-th distance,
 * so results are identical to BruteForce's (ties by lower index).
 */
export class BallTree implements NeighborIndex {
  readonly kind = 'ball-tree';
  readonly exact = true;
  readonly metric: Metric;
  readonly leafSize: number;
  readonly size: number;
  readonly dim: number;
  private readonly tree: TreeLayout;
  private readonly centers: Float64Array;
  private readonly radii: Float64Array;
  private readonly kernel: number;

  constructor(data: MatrixInput, opts: BallTreeOptions = {}) {
    const m = denseTreeData(data, 'ball tree');
    this.leafSize = checkLeafSize(opts.leafSize);
    this.metric = resolveMetric(opts.metric ?? 'euclidean', m);
    if (!this.metric.isTrueMetric) {
      throw new KnnkitError('metric', `metric: got ${JSON.stringify(this.metric.name)}, which is not a true metric (no triangle inequality); the ball tree supports ${BALL_TREE_METRICS.join(', ')}; use 'brute' for any metric`);
    }
    this.kernel = pointKernel(this.metric);
    this.size = m.rows;
    this.dim = m.cols;
    this.tree = buildLayout(m.data, m.rows, m.cols, this.leafSize);
    const balls = fitBalls(this.tree, m.cols, this.metric);
    this.centers = balls.centers;
    this.radii = balls.radii;
  }

  search(queries: MatrixInput, k: number, params: SearchParams = {}): SearchResult {
    checkInteger('k', k, 1);
    const q = denseQueries(queries, this.dim, 'ball tree');
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
    const q = denseQueries(queries, this.dim, 'ball tree');
    const kk = Math.min(k, this.size);
    const res = await searchTreeParallel(this, () => ({
      kind: 'ball-tree', metric: this.metric, leafSize: this.leafSize, layout: this.tree, centers: this.centers, radii: this.radii,
    }), q, kk, filterMask(params.filter, this.size), params.threads);
    return res ?? this.search(q, k, params);
  }

  /** @internal Wraps already built arrays (worker threads of searchAsync): no rebuild. */
  static fromParts(layout: TreeLayout, centers: Float64Array, radii: Float64Array, metric: Metric, leafSize: number): BallTree {
    const t = Object.create(BallTree.prototype) as BallTree;
    const w = t as unknown as Record<string, unknown>;
    w.kind = 'ball-tree'; w.exact = true; w.metric = metric; w.leafSize = leafSize;
    w.size = layout.perm.length; w.dim = layout.nNodes > 0 ? centers.length / layout.nNodes : 0;
    w.tree = layout; w.centers = centers; w.radii = radii; w.kernel = pointKernel(metric);
    return t;
  }

  /** @internal k-NN of query rows [q0, q1) into outIdx/outDist at row (q - outRow0). */
  searchRows(q: DenseMatrix, q0: number, q1: number, kk: number, filter: IdFilter,
    outIdxAll: Int32Array, outDistAll: Float32Array, outRow0: number): void {
    const d = this.dim, t = this.tree;
    const heap = kk <= SMALL_K ? new SortedTopK(kk) : new TopK(kk);
    const qv = new Float64Array(d);
    const stackNode = new Int32Array(2 * t.nLevels + 2);
    const stackBound = new Float64Array(2 * t.nLevels + 2);
    const outIdx = new Int32Array(kk), outDist = new Float64Array(kk);
    const toDist = this.metric.reducedToDistance;
    for (let qi = q0; qi < q1; qi++) {
      const qOff = qi * d;
      for (let j = 0; j < d; j++) qv[j] = q.data[qOff + j];
      heap.reset(kk);
      this.knn(qv, q.data, qOff, heap, stackNode, stackBound, filter);
      const cnt = heap.drainSorted(outIdx, outDist, 0);
      const base = (qi - outRow0) * kk;
      // As BruteForce.search: reduced distance stored as float32, then mapped to the distance.
      for (let r = 0; r < cnt; r++) { outIdxAll[base + r] = outIdx[r]; outDistAll[base + r] = toDist(outDist[r]); }
    }
  }

  radiusSearch(queries: MatrixInput, r: number, params: SearchParams = {}): RadiusResult {
    checkNumber('r', r, 0);
    const q = denseQueries(queries, this.dim, 'ball tree');
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
        if (this.ballBound(q.data, qOff, node) > rr) continue;
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
    return layoutBytes(this.tree, false) + this.centers.byteLength + this.radii.byteLength;
  }

  /** Depth-first search, nearer ball first; a node's bound is the max of its own and its parent's. */
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
      let bl = this.ballBound(qArr, qOff, l), br = this.ballBound(qArr, qOff, r);
      if (bl < nb) bl = nb;
      if (br < nb) br = nb;
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
   * Lower bound, in reduced-distance space, of the distance from the query to any point of the
   * node: D(q, c) - R by the triangle inequality, lowered by a rounding slack, floored at 0.
   */
  private ballBound(qArr: Float32Array, qOff: number, node: number): number {
    const dq = this.metric.distance(qArr, qOff, this.centers, node * this.dim, this.dim);
    const rad = this.radii[node];
    const lb = dq - rad - BALL_SLACK * (dq + rad);
    return lb > 0 ? this.metric.distanceToReduced(lb) : 0;
  }
}
