import { csrColumns, csrRowSquaredNorms, type CsrMatrix } from '../../core/sparse.js';
import type { Metric } from '../../metrics/types.js';

/**
 * Inverted index over the base columns (CSC postings), so that a sparse query touches only the
 * rows sharing one of its columns: dot(q, b_j) for every j costs O(sum of the posting lengths
 * of q's columns) instead of O(n * (nnz_q + nnz_b)) merges.
 *
 * Exactness: accumulating q_c * b_jc over q's columns in ascending order adds, for each row j,
 * the same float64 products in the same order as the merge in sparseDot (which visits the
 * common columns ascending), so the dots are bit-identical to the scalar kernel's; cosine and
 * inner product are then exact as computed (same norms, same cosineFromDot). Squared L2 (a
 * merge over differences in the kernel) goes through |q|^2 + |b|^2 - 2 q.b with a float64 error
 * bound and is re-ranked with the exact kernel.
 */
export class SparseColumnIndex {
  readonly n: number;
  readonly cols: number;
  private readonly colPtr: Int32Array;
  private readonly rowIdx: Int32Array;
  private readonly vals: Float32Array;
  /** Squared L2 norm per row (sequential float64, as the kernels compute it). */
  readonly normSq: Float64Array;
  private readonly nnzMax: number;
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;
  private readonly mark: Uint8Array;

  constructor(readonly data: CsrMatrix) {
    const { rows, cols, indptr } = data;
    this.n = rows; this.cols = cols;
    const t = csrColumns(data);
    let nnzMax = 0;
    for (let j = 0; j < rows; j++) nnzMax = Math.max(nnzMax, indptr[j + 1] - indptr[j]);
    this.colPtr = t.ptr; this.rowIdx = t.row; this.vals = t.val; this.normSq = csrRowSquaredNorms(data); this.nnzMax = nnzMax;
    this.acc = new Float64Array(rows);
    this.touched = new Int32Array(rows);
    this.mark = new Uint8Array(rows);
  }

  memoryUsage(): number {
    return this.colPtr.byteLength + this.rowIdx.byteLength + this.vals.byteLength + this.normSq.byteLength
      + this.acc.byteLength + this.touched.byteLength + this.mark.byteLength;
  }

  /**
   * Dots of query row qi (of CSR `q`) with every base row: acc[j] (0 for untouched rows).
   * Returns the number of touched rows, listed in touched[0..count). Call release() after use.
   */
  dots(q: CsrMatrix, qi: number): number {
    const { acc, touched, mark, colPtr, rowIdx, vals } = this;
    let m = 0;
    for (let p = q.indptr[qi]; p < q.indptr[qi + 1]; p++) {
      const c = q.indices[p], qv = q.values[p];
      for (let t = colPtr[c]; t < colPtr[c + 1]; t++) {
        const j = rowIdx[t];
        if (!mark[j]) { mark[j] = 1; touched[m++] = j; }
        acc[j] += qv * vals[t];
      }
    }
    return m;
  }

  release(count: number): void {
    for (let t = 0; t < count; t++) { const j = this.touched[t]; this.acc[j] = 0; this.mark[j] = 0; }
  }

  get dotAcc(): Float64Array { return this.acc; }

  /**
   * Reduced values of query qi against every row, for a metric with a dot form and a sparse
   * kernel: exact for ip/cosine; for l2, lower/upper bounds (lo/hi) around the exact value.
   */
  approx(metric: Metric, q: CsrMatrix, qi: number, lo: Float64Array, hi: Float64Array): void {
    const form = metric.dotForm!;
    let qn = 0;
    for (let p = q.indptr[qi]; p < q.indptr[qi + 1]; p++) qn += q.values[p] * q.values[p];
    const m = this.dots(q, qi);
    const acc = this.acc, nb = this.normSq;
    if (form.kind === 'l2') {
      // float64 error of |q|^2 + |b|^2 - 2 q.b vs the merged sum of squared differences:
      // both within gamma_(nnz_q + nnz_b + 4) (|q|^2 + |b|^2); doubled for safety.
      const nnzQ = q.indptr[qi + 1] - q.indptr[qi];
      const E = 2 * (nnzQ + this.nnzMax + 8) * 2 ** -53;
      for (let j = 0; j < this.n; j++) {
        const v = qn + nb[j] - 2 * acc[j];
        const B = E * (qn + nb[j]) + 1e-300;
        lo[j] = v - B; hi[j] = v + B;
      }
    } else {
      for (let j = 0; j < this.n; j++) lo[j] = hi[j] = form.fromDot(acc[j], qn, nb[j]);
    }
    this.release(m);
  }
}
