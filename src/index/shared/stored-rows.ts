import type { Matrix } from '../../core/data.js';
import { denseMatrix, markValidated } from '../../core/matrix.js';
import { csrMatrix, type CsrMatrix } from '../../core/sparse.js';
import type { Envelope, Section } from '../envelope.js';

/**
 * The rows an exact family indexes, appendable (capacity doubles, so n adds cost O(n) copies
 * in all), dense or CSR; row r holds label r. Flat and the trees keep their data here and
 * rebuild their search structure lazily after an add.
 */
export class StoredRows {
  private dense: Float32Array | null = null;
  private indptr: Int32Array | null = null;
  private indices: Int32Array | null = null;
  private values: Float32Array | null = null;
  rows = 0;

  constructor(readonly cols: number, readonly sparse: boolean) {}

  append(m: Matrix): void {
    if (m.kind === 'dense' && this.rows === 0 && !this.dense) {
      // the first (bulk) add keeps the caller's rows as they are, as the engines always did;
      // a later add grows into a new array, so the caller's array is never written
      this.dense = m.data.subarray(0, m.rows * this.cols);
    } else if (m.kind === 'dense') {
      const need = (this.rows + m.rows) * this.cols;
      if (!this.dense || this.dense.length < need) this.dense = grow(this.dense, need, this.rows * this.cols, Float32Array);
      this.dense.set(m.data.subarray(0, m.rows * this.cols), this.rows * this.cols);
    } else {
      const nnz0 = this.rows === 0 ? 0 : this.indptr![this.rows], add = m.indptr[m.rows] - m.indptr[0];
      if (!this.indptr || this.indptr.length < this.rows + m.rows + 1) this.indptr = grow(this.indptr, this.rows + m.rows + 1, this.rows + 1, Int32Array);
      if (!this.indices || this.indices.length < nnz0 + add) {
        this.indices = grow(this.indices, nnz0 + add, nnz0, Int32Array);
        this.values = grow(this.values, nnz0 + add, nnz0, Float32Array);
      }
      const base = m.indptr[0];
      for (let i = 0; i <= m.rows; i++) this.indptr[this.rows + i] = nnz0 + m.indptr[i] - base;
      this.indices.set(m.indices.subarray(base, base + add), nnz0);
      this.values!.set(m.values.subarray(base, base + add), nnz0);
    }
    this.rows += m.rows;
  }

  /** The rows as a matrix (views, no copy). */
  matrix(): Matrix {
    // rows were validated when added (or checksummed when loaded)
    if (!this.sparse) return markValidated(denseMatrix(this.dense ? this.dense.subarray(0, this.rows * this.cols) : new Float32Array(0), this.rows, this.cols));
    const ip = this.indptr ? this.indptr.subarray(0, this.rows + 1) : new Int32Array(1);
    const nnz = ip[this.rows];
    return { kind: 'csr', indptr: ip, indices: (this.indices ?? new Int32Array(0)).subarray(0, nnz), values: (this.values ?? new Float32Array(0)).subarray(0, nnz), rows: this.rows, cols: this.cols } as CsrMatrix;
  }

  row(r: number): Float32Array {
    if (!this.sparse) return this.dense!.slice(r * this.cols, (r + 1) * this.cols);
    const out = new Float32Array(this.cols);
    for (let p = this.indptr![r]; p < this.indptr![r + 1]; p++) out[this.indices![p]] = this.values![p];
    return out;
  }

  bytes(): number {
    return (this.dense?.byteLength ?? 0) + (this.indptr?.byteLength ?? 0) + (this.indices?.byteLength ?? 0) + (this.values?.byteLength ?? 0);
  }

  sections(): Section[] {
    const m = this.matrix();
    if (m.kind === 'dense') return [{ name: 'rows.data', data: m.data, type: 'f32' }];
    return [
      { name: 'rows.indptr', data: m.indptr, type: 'i32' },
      { name: 'rows.indices', data: m.indices, type: 'i32' },
      { name: 'rows.values', data: m.values, type: 'f32' },
    ];
  }

  /** Rows from an envelope; `view` keeps the envelope's bytes as the storage (no copy). */
  static load(env: Envelope, cols: number, sparse: boolean, rows: number, view: boolean): StoredRows {
    const s = new StoredRows(cols, sparse);
    if (!sparse) {
      s.dense = env.typed('rows.data', Float32Array, !view);
      if (s.dense.length !== rows * cols) throw new Error(`rows.data holds ${s.dense.length} values for ${rows} x ${cols}`);
    } else {
      const ip = env.typed('rows.indptr', Int32Array, !view), ix = env.typed('rows.indices', Int32Array, !view), v = env.typed('rows.values', Float32Array, !view);
      csrMatrix(ip, ix, v, rows, cols); // structural check of the saved rows
      s.indptr = ip; s.indices = ix; s.values = v;
    }
    s.rows = rows;
    return s;
  }
}

function grow<T extends Float32Array | Int32Array>(old: T | null, need: number, used: number, Ctor: { new(n: number): T }): T {
  const next = new Ctor(Math.max(need, old ? old.length * 2 : 0, 16));
  if (old) next.set(old.subarray(0, used) as never);
  return next;
}
