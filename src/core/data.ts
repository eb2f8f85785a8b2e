import type { DenseMatrix, DenseInput, ToDenseOptions } from './matrix.js';
import { toDense, takeRows } from './matrix.js';
import type { CsrMatrix } from './sparse.js';
import { isCsr, csrTakeRows } from './sparse.js';
import { KnnkitError } from './errors.js';

/** Either storage form. Engines that support sparse input accept `Matrix`. */
export type Matrix = DenseMatrix | CsrMatrix;
export type MatrixInput = DenseInput | CsrMatrix;

/** Normalises input: CSR stays CSR (validated shape), everything else becomes a validated DenseMatrix. */
export function toMatrix(input: MatrixInput | unknown, opts: ToDenseOptions = {}): Matrix {
  if (isCsr(input)) {
    const name = opts.name ?? 'X';
    if (!opts.allowEmpty && input.rows === 0) throw new KnnkitError(name, `${name}: empty data (0 rows); expected at least one row`);
    if (opts.cols !== undefined && input.cols !== opts.cols) {
      throw new KnnkitError(name, `${name}: dimension mismatch: rows have ${input.cols} columns but ${opts.cols} were expected (the dimension of the fitted data)`);
    }
    return input;
  }
  return toDense(input, opts);
}

export function matrixTakeRows(m: Matrix, rows: ArrayLike<number>): Matrix {
  return m.kind === 'csr' ? csrTakeRows(m, rows) : takeRows(m, rows);
}
