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
  /** True when an approximate answer is acceptable (default false: an exact family is chosen). */
  approximate?: boolean;
}

/** From this many points on, an approximate answer (when allowed) goes to HNSW. */
export const APPROXIMATE_MIN_N = 50_000;

/**
 * The one `auto` rule (createIndex('auto'), the estimators' algorithm 'auto', the CLI's
 * --index auto), with the reason for each branch:
 *  - approximate allowed, dense data, n >= APPROXIMATE_MIN_N and d > 15 -> hnsw: exact search
 *    costs n distances per query there, the graph about log n (below that size, or in few
 *    dimensions where the KD-tree prunes well, an exact answer costs little more);
 *  - then scikit-learn's rule for exact search (sklearn/neighbors/_base.py, `_fit`):
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
export function chooseFamily(q: AlgorithmQuery): ExactAlgorithm | 'hnsw' {
  const n = checkInteger('n', q.n, 0);
  const d = checkInteger('d', q.d, 0);
  if (q.approximate && !q.sparse && n >= APPROXIMATE_MIN_N && d > 15) return 'hnsw';
  if (q.sparse) return 'brute';
  if (d > 15) return 'brute';
  if (q.k !== undefined && checkInteger('k', q.k, 1) >= Math.floor(n / 2)) return 'brute';
  const metric = resolveMetric(q.metric ?? 'euclidean');
  if (metric.minkowskiP !== undefined) return 'kd-tree';
  if (metric.isTrueMetric) return 'ball-tree';
  return 'brute';
}

/** The exact branch of the rule (scikit-learn's), kept under its historical name. */
export function chooseAlgorithm(q: AlgorithmQuery): ExactAlgorithm {
  return chooseFamily({ ...q, approximate: false }) as ExactAlgorithm;
}
