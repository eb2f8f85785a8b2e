import type { Metric, MetricSpec } from '../metrics/types.js';
import { resolveMetric } from '../metrics/registry.js';
import { checkInteger } from '../core/errors.js';

export type ExactAlgorithm = 'brute' | 'kd-tree' | 'ball-tree';

export interface AlgorithmQuery {
  /** Number of indexed points. */
  n: number;
  /** Dimension. */
  d: number;
  /** Neighbours asked for (omit for radius queries). */
  k?: number;
  /** A resolved Metric, or a spec that resolves without data (Mahalanobis needs VI or V here). */
  metric?: Metric | MetricSpec;
  /** True when the data is a CSR matrix. */
  sparse?: boolean;
}

/**
 * The `algorithm: 'auto'` rule, as scikit-learn's NearestNeighbors decides it
 * (sklearn/neighbors/_base.py, `_fit`), with the reason for each branch:
 *  - sparse data -> brute: neither tree indexes CSR rows (scikit-learn forces brute for sparse).
 *  - d > 15 -> brute: tree bounds lose their pruning power as the dimension grows (the
 *    "curse of dimensionality"); scikit-learn's threshold is 15 features.
 *  - k >= n / 2 -> brute: a query must visit about half the points anyway, so the tree's
 *    traversal is pure overhead (scikit-learn: n_neighbors >= n_samples // 2).
 *  - a Minkowski-family metric -> KD-tree: per-axis box bounds are tight and cheap.
 *  - another true metric (Mahalanobis, Hamming) -> ball tree: only the triangle inequality
 *    is available to bound a node.
 *  - anything else (cosine, inner product: not metrics) -> brute.
 */
export function chooseAlgorithm(q: AlgorithmQuery): ExactAlgorithm {
  const n = checkInteger('n', q.n, 0);
  const d = checkInteger('d', q.d, 0);
  if (q.sparse) return 'brute';
  if (d > 15) return 'brute';
  if (q.k !== undefined && checkInteger('k', q.k, 1) >= Math.floor(n / 2)) return 'brute';
  const metric = resolveMetric(q.metric ?? 'euclidean');
  if (metric.minkowskiP !== undefined) return 'kd-tree';
  if (metric.isTrueMetric) return 'ball-tree';
  return 'brute';
}
