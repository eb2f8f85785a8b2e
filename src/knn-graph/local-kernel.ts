import { kernelValue } from './kernel.js';

/** What the local (candidates) kernel block needs: Eq. 2's constants and the training rows. */
export interface LocalKernelSource {
  sigma: number;
  gaussWeight: number;
  labelWeight: number;
  labelDiscount: number;
  yIds: Int32Array;
  /** |x_i|^2 of every training row (float64). */
  norms: Float64Array;
  dense?: { data: Float32Array; cols: number };
  csr?: { indptr: Int32Array; indices: Int32Array; values: Float32Array; cols: number };
}

/**
 * The composite kernel block A[R, R] (q x q, float64, symmetric) of one column's local
 * dictionary R = {j} + S_j, and its Gram quantities. D2 of every pair is
 * |x_u|^2 + |x_v|^2 - 2 <x_u, x_v> with the dot product summed in float64 over ascending
 * columns, the arithmetic of the blockwise step-1 kernels.
 *
 * Sparse rows go through an inverted index of the q rows built per block (contiguous column
 * lists, rows ascending; reset after use): only the products of common columns are formed,
 * and for every pair they are added in ascending column order, exactly as a dot product over
 * one scattered row adds them.
 */
export class LocalKernel {
  private readonly inv2s2: number;
  private readonly acc: Float64Array;
  // sparse: slot of every data column in the block's lists (-1 = none), the entries (row in
  // block, value) column after column, and each row entry's own position in its list
  private readonly slotOf?: Int32Array;
  private eRow: Int32Array; private eVal: Float32Array; private eSelf: Int32Array;
  private cols = new Int32Array(0); private start = new Int32Array(1); private nSlots = 0;

  constructor(private readonly src: LocalKernelSource, readonly q: number) {
    this.inv2s2 = 1 / (2 * src.sigma * src.sigma);
    this.acc = new Float64Array(q);
    if (src.csr) this.slotOf = new Int32Array(src.csr.cols).fill(-1);
    this.eRow = new Int32Array(0); this.eVal = new Float32Array(0); this.eSelf = new Int32Array(0);
  }

  /** AR (q x q, row-major) = A[R, R]; the diagonal is gw + lw (D2 = 0, same class). */
  block(R: Int32Array, AR: Float64Array): void {
    const s = this.src, q = this.q, norms = s.norms, y = s.yIds, acc = this.acc;
    const inv = this.inv2s2, gw = s.gaussWeight, lw = s.labelWeight, disc = s.labelDiscount;
    if (s.csr) this.sparseDots(R);
    for (let u = 0; u < q; u++) {
      const iu = R[u], nu = norms[iu], yu = y[iu];
      AR[u * q + u] = gw + lw;
      if (s.dense) {
        const { data, cols } = s.dense, ou = iu * cols;
        let v = u + 1;
        for (; v + 1 < q; v += 2) {
          // two rows per pass: the loads of x_u are shared, each sum stays sequential
          const ov = R[v] * cols, ow = R[v + 1] * cols;
          let d0 = 0, d1 = 0;
          for (let t = 0; t < cols; t++) { const x = data[ou + t]; d0 += x * data[ov + t]; d1 += x * data[ow + t]; }
          acc[v] = d0; acc[v + 1] = d1;
        }
        for (; v < q; v++) {
          const ov = R[v] * cols;
          let dot = 0;
          for (let t = 0; t < cols; t++) dot += data[ou + t] * data[ov + t];
          acc[v] = dot;
        }
      } else this.sparseRow(R, u);
      for (let v = u + 1; v < q; v++) {
        const iv = R[v];
        const val = kernelValue(nu + norms[iv] - 2 * acc[v], inv, gw, lw, disc, yu === y[iv]);
        AR[u * q + v] = val; AR[v * q + u] = val;
      }
    }
    if (s.csr) this.clearLists(R);
  }

  /**
   * Builds the block's column lists in CSC form: every column that occurs in the q rows gets a
   * slot, its entries (row in block, value) are contiguous with the rows ascending, and
   * `self[e]` is the position of entry e (row v's non-zeros in order) in its column's list.
   */
  private sparseDots(R: Int32Array): void {
    const { indptr, indices, values } = this.src.csr!, slot = this.slotOf!, q = this.q;
    let total = 0;
    for (let v = 0; v < q; v++) total += indptr[R[v] + 1] - indptr[R[v]];
    if (this.eRow.length < total) {
      const cap = total * 2;
      this.eRow = new Int32Array(cap); this.eVal = new Float32Array(cap); this.eSelf = new Int32Array(cap);
      this.cols = new Int32Array(cap); this.start = new Int32Array(cap + 1);
    }
    const eRow = this.eRow, eVal = this.eVal, self = this.eSelf, cols = this.cols, start = this.start;
    // slots and counts
    let nc = 0;
    for (let v = 0; v < q; v++) {
      for (let p = indptr[R[v]], pe = indptr[R[v] + 1]; p < pe; p++) {
        const c = indices[p];
        if (slot[c] < 0) { slot[c] = nc; cols[nc] = c; start[++nc] = 0; }
        start[slot[c] + 1]++;
      }
    }
    start[0] = 0;
    for (let t = 0; t < nc; t++) start[t + 1] += start[t];
    // fill in row order (so every list is ascending in v); start[] is advanced and restored
    let e = 0;
    for (let v = 0; v < q; v++) {
      for (let p = indptr[R[v]], pe = indptr[R[v] + 1]; p < pe; p++, e++) {
        const t = start[slot[indices[p]]]++;
        eRow[t] = v; eVal[t] = values[p]; self[e] = t;
      }
    }
    for (let t = nc; t > 0; t--) start[t] = start[t - 1];
    start[0] = 0;
    this.nSlots = nc;
  }

  /** acc[v] = <x_u, x_v> for v > u: the tail of every column list after u's own entry. */
  private sparseRow(R: Int32Array, u: number): void {
    const { indptr, indices, values } = this.src.csr!, slot = this.slotOf!, acc = this.acc, q = this.q;
    const eRow = this.eRow, eVal = this.eVal, self = this.eSelf, start = this.start;
    for (let v = u + 1; v < q; v++) acc[v] = 0;
    let e = 0;
    for (let v = 0; v < u; v++) e += indptr[R[v] + 1] - indptr[R[v]];
    const iu = R[u];
    for (let p = indptr[iu], pe = indptr[iu + 1]; p < pe; p++, e++) {
      const xu = values[p];
      for (let t = self[e] + 1, te = start[slot[indices[p]] + 1]; t < te; t++) acc[eRow[t]] += xu * eVal[t];
    }
  }

  private clearLists(R: Int32Array): void {
    const slot = this.slotOf!;
    for (let t = 0; t < this.nSlots; t++) slot[this.cols[t]] = -1;
  }
}

/**
 * The local problem's Gram form from AR = A[R, R] (q = m + 1, symmetric, row 0 = column j):
 * H = A_S^T A_S (m x m, Float32), b = A_S^T a_j, returns c = a_j . a_j. AR being symmetric,
 * column r of A_S is row r + 1 of AR, so every entry is a dot product of two contiguous rows,
 * summed sequentially over r in float64 (2 x 2 register tiles: four sums share the loads).
 */
export function localGram(AR: Float64Array, q: number, H: Float32Array, b: Float64Array): number {
  const m = q - 1;
  let c = 0;
  for (let r = 0; r < q; r++) c += AR[r] * AR[r];
  for (let u = 0; u < m; u++) {
    const ou = (u + 1) * q;
    let s = 0;
    for (let r = 0; r < q; r++) s += AR[ou + r] * AR[r];
    b[u] = s;
  }
  let u = 0;
  for (; u + 1 < m; u += 2) {
    const o0 = (u + 1) * q, o1 = o0 + q;
    let v = u;
    for (; v + 1 < m; v += 2) {
      const p0 = (v + 1) * q, p1 = p0 + q;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let r = 0; r < q; r++) {
        const x0 = AR[o0 + r], x1 = AR[o1 + r], y0 = AR[p0 + r], y1 = AR[p1 + r];
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      H[u * m + v] = s00; H[v * m + u] = s00;
      H[u * m + v + 1] = s01; H[(v + 1) * m + u] = s01;
      H[(u + 1) * m + v] = s10; H[v * m + u + 1] = s10;
      H[(u + 1) * m + v + 1] = s11; H[(v + 1) * m + u + 1] = s11;
    }
    for (; v < m; v++) {
      const p0 = (v + 1) * q;
      let s0 = 0, s1 = 0;
      for (let r = 0; r < q; r++) { const yv = AR[p0 + r]; s0 += AR[o0 + r] * yv; s1 += AR[o1 + r] * yv; }
      H[u * m + v] = s0; H[v * m + u] = s0; H[(u + 1) * m + v] = s1; H[v * m + u + 1] = s1;
    }
  }
  for (; u < m; u++) {
    const o0 = (u + 1) * q;
    for (let v = u; v < m; v++) {
      const p0 = (v + 1) * q;
      let s = 0;
      for (let r = 0; r < q; r++) s += AR[o0 + r] * AR[p0 + r];
      H[u * m + v] = s; H[v * m + u] = s;
    }
  }
  return c;
}
