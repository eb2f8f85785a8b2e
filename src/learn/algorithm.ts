import type { Matrix } from '../core/data.js';
import { KnnkitError } from '../core/errors.js';
import type { Metric } from '../metrics/types.js';
import { chooseAlgorithm } from '../search/auto.js';
import type { Algorithm } from './params.js';

/**
 * Maps the estimator's `algorithm` option to an engine kind for createIndex.
 *
 * 'auto' applies scikit-learn's rule (`chooseAlgorithm`, src/search/auto.ts: brute for sparse
 * data, d > 15, k >= n / 2 or non-metrics; else KD-tree for Minkowski metrics, ball tree for
 * other true metrics); it always picks an exact engine. Radius estimators pass no k.
 * Explicit choices are checked against what the engine needs, so that the error names the
 * estimator option rather than failing deep inside an engine:
 * - kd-tree: a Minkowski-family metric (per-axis bounds) on dense data;
 * - ball-tree: a true metric (triangle inequality) on dense data;
 * - hnsw: dense data, approximate.
 */
export function resolveAlgorithm(algorithm: Algorithm, X: Matrix, metric: Metric, k: number | undefined): 'brute' | 'kd-tree' | 'ball-tree' | 'hnsw' {
  switch (algorithm) {
    case 'auto':
      return chooseAlgorithm({ n: X.rows, d: X.cols, k, metric, sparse: X.kind === 'csr' });
    case 'brute':
      return 'brute';
    case 'kd-tree':
      if (metric.minkowskiP === undefined) throw new KnnkitError('algorithm', `algorithm: "kd-tree" needs a Minkowski-family metric (euclidean, manhattan, chebyshev, minkowski); got metric "${metric.name}"; use "ball-tree" or "brute"`);
      if (X.kind === 'csr') throw new KnnkitError('algorithm', 'algorithm: "kd-tree" needs dense data; sparse (CSR) data is searched with "brute"');
      return 'kd-tree';
    case 'ball-tree':
      if (!metric.isTrueMetric) throw new KnnkitError('algorithm', `algorithm: "ball-tree" needs a true metric (triangle inequality); "${metric.name}" is not one; use "brute"`);
      if (X.kind === 'csr') throw new KnnkitError('algorithm', 'algorithm: "ball-tree" needs dense data; sparse (CSR) data is searched with "brute"');
      return 'ball-tree';
    case 'hnsw':
      if (X.kind === 'csr') throw new KnnkitError('algorithm', 'algorithm: "hnsw" needs dense data; sparse (CSR) data is searched with "brute"');
      return 'hnsw';
  }
}
