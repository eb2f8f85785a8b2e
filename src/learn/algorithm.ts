import type { Matrix } from '../core/data.js';
import { KnnkitError } from '../core/errors.js';
import type { Metric } from '../metrics/types.js';
import { chooseFamily } from '../index/auto.js';
import { getFamily } from '../index/registry.js';
import '../index/families.js';
import type { Algorithm } from './params.js';

/**
 * Maps the estimator's `algorithm` option to a registered index family.
 *
 * 'auto' applies the one rule (`chooseFamily`, src/index/auto.ts) for an exact answer, as
 * scikit-learn does: brute for sparse data, d > 15, k >= n / 2 or non-metrics; else KD-tree for
 * Minkowski metrics, ball tree for other true metrics. Radius estimators pass no k.
 * An explicit family is checked against what its descriptor supports (metric, sparse data), so
 * that the error names the estimator option rather than failing deep inside an engine.
 */
export function resolveAlgorithm(algorithm: Algorithm, X: Matrix, metric: Metric, k: number | undefined): string {
  if (algorithm === 'auto') return chooseFamily({ n: X.rows, d: X.cols, k, metric, sparse: X.kind === 'csr' });
  const family = getFamily(algorithm, 'algorithm');
  const why = family.supportsMetric(metric);
  if (why) throw new KnnkitError('algorithm', `algorithm: "${family.name}" cannot use metric "${metric.name}": ${why}`);
  if (X.kind === 'csr' && !family.dataKinds.includes('sparse')) throw new KnnkitError('algorithm', `algorithm: "${family.name}" needs dense data; sparse (CSR) data is searched with "brute"`);
  return family.name;
}
