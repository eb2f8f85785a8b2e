import type { MatrixInput } from '../../core/data.js';
import { toMatrix } from '../../core/data.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { KnnkitError, checkInteger } from '../../core/errors.js';

/** Default leaf size of both trees (scikit-learn's KDTree/BallTree default is 40). */
export const DEFAULT_LEAF_SIZE = 40;

/**
 * Bounds computed in floating point are made a little smaller before they are compared with
 * the current k-th distance, so rounding can never prune a node that holds a point tying with
 * (or beating) it. 1e-12 relative is far above the rounding of a d-term sum of doubles.
 */
export const BOUND_GUARD = 1 - 1e-12;

export function denseTreeData(data: MatrixInput, engine: string): DenseMatrix {
  const m = toMatrix(data, { name: 'data' });
  if (m.kind !== 'dense') {
    throw new KnnkitError('data', `data: ${engine} needs dense data; got a sparse (CSR) matrix; use the brute engine (algorithm 'brute') for sparse data`);
  }
  return m;
}

export function denseQueries(queries: MatrixInput, dim: number, engine: string): DenseMatrix {
  const q = toMatrix(queries, { name: 'queries', cols: dim });
  if (q.kind !== 'dense') throw new KnnkitError('queries', `queries: ${engine} needs dense queries; got a sparse (CSR) matrix`);
  return q;
}

export function checkLeafSize(leafSize: unknown): number {
  return checkInteger('leafSize', leafSize ?? DEFAULT_LEAF_SIZE, 1);
}
