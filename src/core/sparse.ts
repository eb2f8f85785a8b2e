import { KnnkitError } from './errors.js';

/**
 * Compressed sparse row matrix (as scipy.sparse.csr_matrix): the non-zeros of row i are
 * values[indptr[i] .. indptr[i+1]) at columns indices[...], columns ascending within a row.
 * Text data (bag of words, tf-idf) stays in this form end to end.
 */
export interface CsrMatrix {
  readonly kind: 'csr';
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

export function csrMatrix(indptr: Int32Array, indices: Int32Array, values: Float32Array, rows: number, cols: number): CsrMatrix {
  if (indptr.length !== rows + 1) throw new KnnkitError('indptr', `indptr: length ${indptr.length}; expected rows + 1 = ${rows + 1}`);
  const nnz = indptr[rows];
  if (indices.length < nnz || values.length < nnz) throw new KnnkitError('indices', `indices/values: need ${nnz} entries (indptr[rows]); got ${indices.length}/${values.length}`);
  for (let i = 0; i < rows; i++) {
    if (indptr[i + 1] < indptr[i]) throw new KnnkitError('indptr', `indptr: decreases at row ${i}`);
    let prev = -1;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const c = indices[p];
      if (c <= prev || c >= cols) throw new KnnkitError('indices', `indices: row ${i} has column ${c}; columns must be ascending and in [0, ${cols})`);
      if (!Number.isFinite(values[p])) throw new KnnkitError('values', `values: ${values[p]} at row ${i}, column ${c}; expected finite numbers`);
      prev = c;
    }
  }
  return { kind: 'csr', indptr, indices, values, rows, cols };
}

export function isCsr(x: unknown): x is CsrMatrix {
  return !!x && typeof x === 'object' && (x as CsrMatrix).kind === 'csr';
}

/** Column lists (CSC) of a CSR matrix: for column c, rows row[ptr[c] .. ptr[c+1]) ascending with their values. */
export interface CsrColumns { ptr: Int32Array; row: Int32Array; val: Float32Array }

/** The CSR matrix's transpose as column lists (rows ascending within every column): one counting pass. */
export function csrColumns(m: CsrMatrix): CsrColumns {
  const { indptr, indices, values, rows, cols } = m;
  const nnz = indptr[rows];
  const ptr = new Int32Array(cols + 1);
  for (let p = 0; p < nnz; p++) ptr[indices[p] + 1]++;
  for (let c = 0; c < cols; c++) ptr[c + 1] += ptr[c];
  const fill = ptr.slice(0, cols);
  const row = new Int32Array(nnz), val = new Float32Array(nnz);
  for (let i = 0; i < rows; i++) {
    for (let p = indptr[i], e = indptr[i + 1]; p < e; p++) { const t = fill[indices[p]]++; row[t] = i; val[t] = values[p]; }
  }
  return { ptr, row, val };
}

/** Squared L2 norm of every row. */
export function csrRowSquaredNorms(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) s += m.values[p] * m.values[p];
    out[i] = s;
  }
  return out;
}

/** Rows [start, end) densified into `out` (length (end - start) * cols), for block-wise work. */
export function csrDenseBlock(m: CsrMatrix, start: number, end: number, out = new Float32Array((end - start) * m.cols)): Float32Array {
  out.fill(0, 0, (end - start) * m.cols);
  for (let i = start; i < end; i++) {
    const base = (i - start) * m.cols;
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) out[base + m.indices[p]] = m.values[p];
  }
  return out;
}

/** Selects rows (CV folds) keeping CSR form. */
export function csrTakeRows(m: CsrMatrix, rows: ArrayLike<number>): CsrMatrix {
  let nnz = 0;
  for (let i = 0; i < rows.length; i++) nnz += m.indptr[rows[i] + 1] - m.indptr[rows[i]];
  const indptr = new Int32Array(rows.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let q = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++, q++) { indices[q] = m.indices[p]; values[q] = m.values[p]; }
    indptr[i + 1] = q;
  }
  return { kind: 'csr', indptr, indices, values, rows: rows.length, cols: m.cols };
}

/** Scales every row to unit L2 norm (zero rows stay zero), e.g. to make Euclidean rank like cosine. */
export function csrNormalizeRows(m: CsrMatrix): CsrMatrix {
  const values = m.values.slice();
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) s += values[p] * values[p];
    if (s > 0) { const inv = 1 / Math.sqrt(s); for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) values[p] *= inv; }
  }
  return { ...m, values };
}
