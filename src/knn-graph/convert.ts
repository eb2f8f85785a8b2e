import type { Matrix, MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { csrDenseBlock } from '../core/sparse.js';
import { KnnkitError } from '../core/errors.js';
import type { CsrMatrix } from '../core/sparse.js';
import type { DenseMatrix } from '../core/matrix.js';

/** Queries in the storage form of the training data (the index compares like with like). */
export function queriesLike(input: MatrixInput | unknown, trainKind: 'dense' | 'csr', cols: number, name = 'X'): Matrix {
  const q = toMatrix(input, { name, cols });
  if (q.kind === trainKind) return q;
  return q.kind === 'csr' ? csrToDense(q) : denseToCsr(q);
}

export function csrToDense(m: CsrMatrix): DenseMatrix {
  return { kind: 'dense', data: csrDenseBlock(m, 0, m.rows), rows: m.rows, cols: m.cols };
}

export function denseToCsr(m: DenseMatrix): CsrMatrix {
  let nnz = 0;
  for (let i = 0; i < m.data.length; i++) if (m.data[i] !== 0) nnz++;
  const indptr = new Int32Array(m.rows + 1), indices = new Int32Array(nnz), values = new Float32Array(nnz);
  let q = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      if (v !== 0) { indices[q] = j; values[q++] = v; }
    }
    indptr[i + 1] = q;
  }
  return { kind: 'csr', indptr, indices, values, rows: m.rows, cols: m.cols };
}

/** One query row from a plain array, typed array or a 1-row matrix. */
export function singleRow(query: unknown, trainKind: 'dense' | 'csr', cols: number): Matrix {
  if (Array.isArray(query) && (query.length === 0 || typeof query[0] === 'number')) {
    return queriesLike([query as number[]], trainKind, cols, 'query');
  }
  if (query instanceof Float32Array || query instanceof Float64Array) {
    return queriesLike({ data: query, rows: 1, cols: query.length }, trainKind, cols, 'query');
  }
  const m = queriesLike(query, trainKind, cols, 'query');
  if (m.rows !== 1) throw new KnnkitError('query', `query: ${m.rows} rows; expected a single query (one row of ${cols} values)`);
  return m;
}
