import type { Matrix } from '../core/data.js';
import { KnnkitError } from '../core/errors.js';
import type { Metric } from '../metrics/types.js';
import type { Algorithm } from './params.js';

/**
 * Maps the estimator's `algorithm` option to an engine kind for createIndex.
 *
 * 'auto' currently resolves to exact brute force (the scikit-learn-like rule lives in
 * src/search/auto.ts, `chooseAlgorithm`, owned by the search engineers; it is wired here once it
 * lands). Explicit choices are checked against what the engine needs, so that the error names
 * the estimator option rather than failing deep inside an engine:
 * - kd-tree: a Minkowski-family metric (per-axis bounds) on dense data;
 * - ball-tree: a true metric (triangle inequality) on dense data;
 * - hnsw: dense data, approximate.
 */
export function resolveAlgorithm(algorithm: Algorithm, X: Matrix, metric: Metric, _k: number): 'brute' | 'kd-tree' | 'ball-tree' | 'hnsw' {
  switch (algorithm) {
    case 'auto':
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
