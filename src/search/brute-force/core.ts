import type { Matrix } from '../../core/data.js';
import type { CsrMatrix } from '../../core/sparse.js';
import { TopK } from '../../core/topk.js';
import type { Metric } from '../../metrics/types.js';
import { DotScanner } from './dot-scanner.js';
import type { DotKind } from './dot-scanner.js';
import { manhattan, chebyshev } from '../../metrics/minkowski.js';
import { hamming } from '../../metrics/hamming.js';
import { SparseColumnIndex } from './sparse-scan.js';
import type { PanelStore } from './panel-store.js';
import type { ScannerPayload } from './dot-scanner.js';

/** Rows of a radius search: (index, reduced value) pairs per query, unsorted. */
export interface RadiusRows { idx: Int32Array[]; red: Float64Array[] }

/** Query rows per block in the scalar (non-dot) paths: a block of rows stays in cache. */
const SCALAR_QUERY_BLOCK = 16;

/**
 * The search engine behind BruteForce, built from plain (possibly SharedArrayBuffer-backed)
 * arrays so that worker threads build the very same engine over the shared base vectors.
 *
 * Paths, chosen from the metric's capabilities (never its name):
 *  - dense + dotForm (L2, squared L2, IP, cosine), or the registry's L1 / Linf / Hamming
 *    kernels: DotScanner pre-selection in WebAssembly SIMD (TS twin without SIMD), then exact
 *    re-ranking of the few pre-selected rows with metric.reduced;
 *  - sparse + dotForm: inverted column index (exact for IP/cosine, bounded + re-ranked for L2);
 *  - anything else (Minkowski p, Mahalanobis, sparse L1, custom metrics): blocked scalar loops
 *    over metric.reduced / metric.sparseReduced.
 * Every path ranks by the metric's float64 reduced value, ties by lower index: results are
 * bit-identical to the scalar reference.
 */
export class BruteCore {
  readonly scanner?: DotScanner;
  readonly sparse?: SparseColumnIndex;
  readonly rows: number;
  readonly cols: number;
  /**
   * The base as the scalar and sparse paths read it; for a dense base whose panels are the only
   * copy (scanner.store) this holds no rows (length-0 data): rows are read with `row`.
   */
  readonly data: Matrix;

  /**
   * With `adopt`, data.data is adopt.rowMajor(): rows written straight into a panel store's
   * memory (BruteForce.fromRows), packed there in place when the dot path takes them, else
   * copied out (the store is then dropped).
   */
  constructor(data: Matrix, readonly metric: Metric, opts: { wasm?: boolean; adopt?: PanelStore } = {}, scanner?: DotScanner) {
    const form = metric.dotForm;
    this.rows = data.rows; this.cols = data.cols;
    if (scanner) {
      this.scanner = scanner;
    } else if (data.kind === 'dense') {
      let kind = scanKind(metric);
      if (kind === 'hamming' && data.cols >= 2 ** 24) kind = undefined; // float32 counts exact below 2^24
      if (kind && data.rows > 0 && DotScanner.supports(data.data, data.rows, data.cols)) {
        try {
          this.scanner = new DotScanner(data.data, data.rows, data.cols, kind, opts.wasm ?? true, opts.adopt);
        } catch (e) {
          // WebAssembly memory could not grow this far (wasm32: 4 GiB): the TS twin has no such limit.
          if (!(e instanceof RangeError)) throw e;
          this.scanner = new DotScanner(data.data, data.rows, data.cols, kind, false);
        }
      } else if (opts.adopt) {
        data = { ...data, data: data.data.slice() }; // the scalar path reads row-major rows: out of the store
      }
    } else if (form && metric.sparseReduced) {
      this.sparse = new SparseColumnIndex(data);
    }
    // one copy: a store's panels replace the caller's rows (which this engine then does not keep)
    this.data = this.scanner?.store ? { kind: 'dense', data: new Float32Array(0), rows: data.rows, cols: data.cols } : data;
  }

  /** A worker thread's engine over a store another thread made (scanner payload). */
  static attach(p: ScannerPayload, metric: Metric): BruteCore {
    const sc = DotScanner.attach(p);
    return new BruteCore({ kind: 'dense', data: new Float32Array(0), rows: sc.n, cols: sc.d }, metric, {}, sc);
  }

  /** Row j of a dense base into out (the panels, when they are the only copy). */
  row(j: number, out = new Float32Array(this.cols)): Float32Array {
    if (this.scanner) return this.scanner.row(j, out);
    const d = this.data;
    if (d.kind === 'dense') { out.set(d.data.subarray(j * d.cols, (j + 1) * d.cols)); return out; }
    out.fill(0);
    for (let p = d.indptr[j]; p < d.indptr[j + 1]; p++) out[d.indices[p]] = d.values[p];
    return out;
  }

  /**
   * metric.reduced(query row qo of q, base row j): straight from the row-major base, or from
   * a row gathered out of the panels (same float32 values, so the same float64 result).
   */
  private reducer(q: Float32Array): (qo: number, j: number) => number {
    const m = this.metric, d = this.cols;
    const base = this.scanner ? this.scanner.base : (this.data as Extract<Matrix, { kind: 'dense' }>).data;
    if (base) return (qo, j) => m.reduced(q, qo, base, j * d, d);
    const sc = this.scanner!, tmp = new Float32Array(d);
    return (qo, j) => m.reduced(q, qo, sc.row(j, tmp), 0, d);
  }

  /** 'relaxed' | 'simd' | 'ts' for the dot path, 'scalar' or 'sparse' otherwise. */
  get path(): string {
    return this.scanner ? this.scanner.variant : this.sparse ? 'sparse' : 'scalar';
  }

  /** Bytes held; the scanner counts the rows it holds (its store, or the row-major base it keeps). */
  memoryUsage(): number {
    const d = this.data;
    const own = this.scanner ? 0 : d.kind === 'dense' ? d.data.byteLength : d.indptr.byteLength + d.indices.byteLength + d.values.byteLength;
    return own + (this.scanner?.memoryUsage() ?? 0) + (this.sparse?.memoryUsage() ?? 0);
  }

  /**
   * k nearest (k already clamped to n) of query rows [q0, q1): row q of the output is at
   * (q - outRow0) * k in outIdx/outDist (distances already mapped by reducedToDistance;
   * unfilled slots keep whatever the caller initialised, -1 / Infinity).
   */
  search(q: Matrix, q0: number, q1: number, k: number, allowed: Uint8Array | null,
    outIdx: Int32Array, outDist: Float32Array, outRow0 = q0): void {
    const heap = new TopK(k);
    const m = this.metric;
    // Drain through float64 scratch so a distance is rounded to float32 once, after
    // reducedToDistance (sqrt of the exact float64 squared distance, not of its float32).
    const scratchIdx = new Int32Array(k), scratchDist = new Float64Array(k);
    const emit = (qi: number, h: TopK = heap) => {
      const o = (qi - outRow0) * k;
      const cnt = h.drainSorted(scratchIdx, scratchDist, 0);
      for (let t = 0; t < cnt; t++) { outIdx[o + t] = scratchIdx[t]; outDist[o + t] = m.reducedToDistance(scratchDist[t]); }
    };
    const data = this.data;
    if (data.kind === 'dense') {
      // local row li of qd.data is query li + qd.base
      const qd = denseRows(q, q0, q1);
      if (this.scanner) {
        const d = data.cols, red = this.reducer(qd.data);
        this.scanner.preselect(qd.data, q0 - qd.base, q1 - qd.base, k, allowed, (li, cand, count) => {
          heap.reset(k);
          const qo = li * d;
          if (count < 0) {
            for (let j = 0; j < data.rows; j++) if (!allowed || allowed[j]) heap.push(red(qo, j), j);
          } else {
            for (let t = 0; t < count; t++) { const j = cand[t]; heap.push(red(qo, j), j); }
          }
          emit(li + qd.base);
        });
        return;
      }
      this.scalarDense(qd.data, q0 - qd.base, q1 - qd.base, allowed, (li, h) => emit(li + qd.base, h), k);
      return;
    }
    // sparse base: local row li of qs is query li + qb
    const { m: qs, base: qb } = csrRows(q, q0, q1);
    if (this.sparse) {
      const n = data.rows;
      const lo = new Float64Array(n), hi = new Float64Array(n);
      const ubHeap = new TopK(k);
      const kern = m.sparseReduced!;
      for (let qi = q0 - qb; qi < q1 - qb; qi++) {
        this.sparse.approx(m, qs, qi, lo, hi);
        // T = k-th smallest upper bound among allowed rows; re-rank every row with lo <= T.
        ubHeap.reset(k);
        for (let j = 0; j < n; j++) if (!allowed || allowed[j]) ubHeap.push(hi[j], j);
        const T = ubHeap.worst();
        heap.reset(k);
        const exact = m.dotForm!.kind !== 'l2'; // ip / cosine: the inverted-index values are exact
        const qsI = qs.indptr[qi], qeI = qs.indptr[qi + 1];
        for (let j = 0; j < n; j++) {
          if (lo[j] > T || (allowed && !allowed[j])) continue;
          const r = exact ? lo[j] : kern(qs.indices, qs.values, qsI, qeI, data.indices, data.values, data.indptr[j], data.indptr[j + 1], NaN, NaN);
          heap.push(r, j);
        }
        emit(qi + qb);
      }
      return;
    }
    const kern = m.sparseReduced!;
    for (let qi = q0 - qb; qi < q1 - qb; qi++) {
      heap.reset(k);
      const s = qs.indptr[qi], e = qs.indptr[qi + 1];
      for (let j = 0; j < data.rows; j++) {
        if (allowed && !allowed[j]) continue;
        heap.push(kern(qs.indices, qs.values, s, e, data.indices, data.values, data.indptr[j], data.indptr[j + 1], NaN, NaN), j);
      }
      emit(qi + qb);
    }
  }

  /** Every row with reduced value <= rr for query rows [q0, q1), unsorted. */
  radius(q: Matrix, q0: number, q1: number, rr: number, allowed: Uint8Array | null): RadiusRows {
    const out: RadiusRows = { idx: [], red: [] };
    const m = this.metric, data = this.data;
    const idx: number[] = [], red: number[] = [];
    const flush = () => { out.idx.push(Int32Array.from(idx)); out.red.push(Float64Array.from(red)); idx.length = 0; red.length = 0; };
    if (data.kind === 'dense') {
      const qd = denseRows(q, q0, q1);
      const base = data.data, d = data.cols;
      if (this.scanner) {
        const rows: Array<[Int32Array, Float64Array]> = [];
        const reduce = this.reducer(qd.data);
        this.scanner.preselectRadius(qd.data, q0 - qd.base, q1 - qd.base, rr, allowed, (li, cand, count) => {
          const qo = li * d;
          if (count < 0) {
            for (let j = 0; j < data.rows; j++) {
              if (allowed && !allowed[j]) continue;
              const r = reduce(qo, j);
              if (r <= rr) { idx.push(j); red.push(r); }
            }
          } else {
            for (let t = 0; t < count; t++) {
              const j = cand[t], r = reduce(qo, j);
              if (r <= rr) { idx.push(j); red.push(r); }
            }
          }
          rows[li + qd.base - q0] = [Int32Array.from(idx), Float64Array.from(red)];
          idx.length = 0; red.length = 0;
        });
        for (const [a, b] of rows) { out.idx.push(a); out.red.push(b); }
        return out;
      }
      for (let li = q0 - qd.base; li < q1 - qd.base; li++) {
        const qo = li * d;
        for (let j = 0; j < data.rows; j++) {
          if (allowed && !allowed[j]) continue;
          const r = m.reduced(qd.data, qo, base, j * d, d);
          if (r <= rr) { idx.push(j); red.push(r); }
        }
        flush();
      }
      return out;
    }
    const { m: qs, base: qb } = csrRows(q, q0, q1);
    const kern = m.sparseReduced!;
    const n = data.rows;
    const lo = this.sparse ? new Float64Array(n) : undefined, hi = this.sparse ? new Float64Array(n) : undefined;
    for (let qi = q0 - qb; qi < q1 - qb; qi++) {
      const s = qs.indptr[qi], e = qs.indptr[qi + 1];
      if (this.sparse) this.sparse.approx(m, qs, qi, lo!, hi!);
      const exact = this.sparse && m.dotForm!.kind !== 'l2';
      for (let j = 0; j < n; j++) {
        if (allowed && !allowed[j]) continue;
        if (lo && lo[j] > rr) continue;
        const r = exact ? lo![j] : kern(qs.indices, qs.values, s, e, data.indices, data.values, data.indptr[j], data.indptr[j + 1], NaN, NaN);
        if (r <= rr) { idx.push(j); red.push(r); }
      }
      flush();
    }
    return out;
  }

  /**
   * Blocked scalar loops for metrics without a dot form: SCALAR_QUERY_BLOCK queries against
   * row blocks that stay in cache, one bounded heap per query.
   */
  private scalarDense(qd: Float32Array, q0: number, q1: number, allowed: Uint8Array | null,
    emit: (qi: number, h: TopK) => void, k: number): void {
    const data = this.data as Extract<Matrix, { kind: 'dense' }>;
    const m = this.metric, d = data.cols, base = data.data, n = data.rows;
    const heaps: TopK[] = [];
    for (let t = 0; t < SCALAR_QUERY_BLOCK; t++) heaps.push(new TopK(k));
    const rowBlock = Math.max(16, Math.floor(131072 / (4 * d)));
    for (let b0 = q0; b0 < q1; b0 += SCALAR_QUERY_BLOCK) {
      const b1 = Math.min(b0 + SCALAR_QUERY_BLOCK, q1);
      for (let t = 0; t < b1 - b0; t++) heaps[t].reset(k);
      for (let j0 = 0; j0 < n; j0 += rowBlock) {
        const j1 = Math.min(j0 + rowBlock, n);
        for (let qi = b0; qi < b1; qi++) {
          const h = heaps[qi - b0], qo = qi * d;
          for (let j = j0; j < j1; j++) {
            if (allowed && !allowed[j]) continue;
            h.push(m.reduced(qd, qo, base, j * d, d), j);
          }
        }
      }
      for (let qi = b0; qi < b1; qi++) emit(qi, heaps[qi - b0]);
    }
  }
}

/**
 * The kernel family for a metric, from its capabilities: a dot form, or exactly the registry's
 * L1 / Linf / Hamming kernel (a custom metric that merely declares minkowskiP, e.g. a weighted L1, keeps
 * the scalar path: the L1 / Linf error bounds hold only for the plain sums).
 */
function scanKind(m: Metric): DotKind | undefined {
  if (m.dotForm) return m.dotForm.kind;
  if (m.reduced === manhattan.reduced) return 'l1';
  if (m.reduced === chebyshev.reduced) return 'linf';
  if (m.reduced === hamming.reduced && m.reducedToDistance === hamming.reducedToDistance) return 'hamming';
  return undefined;
}

/**
 * Query rows [q0, q1) as dense float32 rows: a dense matrix is used as is (base 0); CSR rows
 * are densified, only that range (base q0). Local row li holds query li + base.
 */
function denseRows(q: Matrix, q0: number, q1: number): { data: Float32Array; base: number } {
  if (q.kind === 'dense') return { data: q.data, base: 0 };
  const d = q.cols, out = new Float32Array((q1 - q0) * d);
  for (let i = q0; i < q1; i++) for (let p = q.indptr[i]; p < q.indptr[i + 1]; p++) out[(i - q0) * d + q.indices[p]] = q.values[p];
  return { data: out, base: q0 };
}

/** Query rows [q0, q1) as CSR: a CSR matrix as is (base 0); dense rows keep their non-zeros (base q0). */
function csrRows(q: Matrix, q0: number, q1: number): { m: CsrMatrix; base: number } {
  if (q.kind === 'csr') return { m: q, base: 0 };
  const { cols, data } = q;
  const rows = q1 - q0;
  let nnz = 0;
  for (let i = q0 * cols; i < q1 * cols; i++) if (data[i] !== 0) nnz++;
  const indptr = new Int32Array(rows + 1), indices = new Int32Array(nnz), values = new Float32Array(nnz);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    const o = (i + q0) * cols;
    for (let j = 0; j < cols; j++) { const v = data[o + j]; if (v !== 0) { indices[p] = j; values[p++] = v; } }
    indptr[i + 1] = p;
  }
  return { m: { kind: 'csr', indptr, indices, values, rows, cols }, base: q0 };
}
