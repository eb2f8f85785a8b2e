import type { MatrixInput } from '../../core/data.js';
import type { Metric, MetricSpec } from '../../metrics/types.js';
import { TreeIndex, type TreeOptions } from '../shared/tree-index.js';
import { layoutBytes, type TreeLayout } from '../tree/layout.js';
import type { TreeParts } from '../tree/parallel.js';
import { fitBalls } from './balls.js';

export interface BallTreeOptions extends TreeOptions {
  /** Any true metric (triangle inequality): euclidean, manhattan, chebyshev, minkowski, mahalanobis, hamming. */
  metric?: MetricSpec;
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
 * so results are identical to BruteForce's (ties by lower index). The search drivers are
 * TreeIndex's (../shared/tree-index.ts); this class supplies the balls and their bound.
 */
export class BallTree extends TreeIndex {
  readonly kind = 'ball-tree';
  private readonly centers: Float64Array;
  private readonly radii: Float64Array;

  constructor(data: MatrixInput, opts: BallTreeOptions = {}) {
    super(data, opts, 'ball tree', (m) => m.isTrueMetric
      ? null
      : `metric: got ${JSON.stringify(m.name)}, which is not a true metric (no triangle inequality); the ball tree supports ${BALL_TREE_METRICS.join(', ')}; use 'brute' for any metric`);
    const balls = fitBalls(this.tree, this.dim, this.metric);
    this.centers = balls.centers;
    this.radii = balls.radii;
  }

  /** @internal Wraps already built arrays (worker threads of searchAsync): no rebuild. */
  static fromParts(layout: TreeLayout, centers: Float64Array, radii: Float64Array, metric: Metric, leafSize: number): BallTree {
    const dim = layout.nNodes > 0 ? centers.length / layout.nNodes : 0;
    const t = TreeIndex.wrap(BallTree.prototype, 'ball-tree', layout, metric, leafSize, dim);
    const w = t as unknown as { centers: Float64Array; radii: Float64Array };
    w.centers = centers; w.radii = radii;
    return t;
  }

  memoryUsage(): number {
    return layoutBytes(this.tree, false) + this.centers.byteLength + this.radii.byteLength;
  }

  protected get label(): string { return 'ball tree'; }

  protected workerParts(): TreeParts {
    return { kind: 'ball-tree', metric: this.metric, leafSize: this.leafSize, layout: this.tree, centers: this.centers, radii: this.radii };
  }

  /**
   * Lower bound, in reduced-distance space, of the distance from the query to any point of the
   * node: D(q, c) - R by the triangle inequality, lowered by a rounding slack, floored at 0,
   * and raised to the parent's bound: a child ball may stick out of its parent's, so its own
   * bound can be the smaller one, while the parent's still holds for every point of the child.
   */
  protected nodeBound(_qv: Float64Array, qArr: Float32Array, qOff: number, node: number, parentBound: number): number {
    const dq = this.metric.distance(qArr, qOff, this.centers, node * this.dim, this.dim);
    const rad = this.radii[node];
    const lb = dq - rad - BALL_SLACK * (dq + rad);
    const own = lb > 0 ? this.metric.distanceToReduced(lb) : 0;
    return own > parentBound ? own : parentBound;
  }
}
