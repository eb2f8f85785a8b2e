import type { MatrixInput } from '../../core/data.js';
import type { Metric, MetricSpec } from '../../metrics/types.js';
import { TreeIndex, type TreeOptions } from '../shared/tree-index.js';
import { layoutBytes, type TreeLayout } from '../tree/layout.js';
import { BOUND_GUARD } from '../tree/common.js';
import type { TreeParts } from '../tree/parallel.js';

export interface KDTreeOptions extends TreeOptions {
  /** A metric of the Minkowski family (euclidean, sqeuclidean, manhattan, chebyshev, minkowski p). */
  metric?: MetricSpec;
}

/** Names accepted by the KD-tree, for error messages (scikit-learn's KDTree.valid_metrics). */
export const KD_TREE_METRICS = ['euclidean', 'sqeuclidean', 'manhattan', 'chebyshev', 'minkowski (p >= 1)'] as const;

/**
 * Exact k-NN by a KD-tree (Bentley 1975; Friedman, Bentley & Finkel 1977) in scikit-learn's
 * flat form: median splits on the widest dimension, a bounding box per node, depth-first
 * search visiting the nearer child first and pruning a node only when its box lower bound is
 * strictly greater than the current k-th reduced distance. Results are identical to
 * BruteForce's (same reduced distances, ties by lower index). The search drivers are
 * TreeIndex's (../shared/tree-index.ts); this class supplies the box bound.
 *
 * Metrics: those with per-axis structure (`metric.minkowskiP`): for a point x in a box
 * [lo, hi] and query q, |q_j - x_j| >= gap_j = max(lo_j - q_j, q_j - hi_j, 0) on every axis,
 * so sum_j gap_j^p (max_j gap_j for p = Infinity) bounds the reduced distance from below.
 */
export class KDTree extends TreeIndex {
  readonly kind = 'kd-tree';
  /** Exponent used by the box bounds: 1, 2, Infinity or p. */
  private readonly p: number;

  constructor(data: MatrixInput, opts: KDTreeOptions = {}) {
    super(data, opts, 'KD-tree', (m) => m.minkowskiP === undefined
      ? `metric: got ${JSON.stringify(m.name)}; the KD-tree supports ${KD_TREE_METRICS.join(', ')}; use 'ball-tree' for other true metrics or 'brute' for any metric`
      : null);
    this.p = this.metric.minkowskiP!;
  }

  /** @internal Wraps an already built layout (worker threads of searchAsync): no rebuild. */
  static fromLayout(layout: TreeLayout, metric: Metric, leafSize: number): KDTree {
    const dim = layout.nNodes > 0 ? layout.lower.length / layout.nNodes : 0;
    const t = TreeIndex.wrap(KDTree.prototype, 'kd-tree', layout, metric, leafSize, dim);
    (t as unknown as { p: number }).p = metric.minkowskiP!;
    return t;
  }

  memoryUsage(): number {
    return layoutBytes(this.tree, true);
  }

  protected get label(): string { return 'KD-tree'; }

  protected workerParts(): TreeParts {
    return { kind: 'kd-tree', metric: this.metric, leafSize: this.leafSize, layout: this.tree };
  }

  /**
   * Lower bound of the reduced distance from the query to any point in the node's box. The
   * per-axis gaps are summed in axis order, as the point kernels sum their terms, so (floating
   * point addition and rounding being monotone) the bound never exceeds a point's value; it is
   * then lowered by BOUND_GUARD so rounding can never prune a tie. A child box lies inside its
   * parent's, so the parent's bound is never the larger and is not consulted. (The body is here
   * rather than in a helper so the search driver inlines one call, not two.)
   */
  protected nodeBound(q: Float64Array, _qArr: Float32Array, _qOff: number, node: number, _parentBound: number): number {
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
    return acc * BOUND_GUARD;
  }
}
