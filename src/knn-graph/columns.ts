import { DenseGram, FistaColumn, fistaLasso, type FistaOptions } from './fista.js';
import { Kernels, type KernelLayout } from './wasm/kernels.js';
import { localProblem, type LocalProblem } from './wasm/local.js';

/**
 * Everything one column solve needs, as flat (shareable) typed arrays, so that the same code
 * runs in the calling thread and in worker threads (kernel matrices on SharedArrayBuffers).
 *
 * - 'full': H = A^T A (n x n, Float32) of the composite kernel A; column j's problem is
 *   b = H[:, j], c = H[j][j] with w_j = 0.
 * - 'local' (the `candidates: m` option): column j's dictionary is its m nearest training
 *   points S_j; the rows are restricted to R_j = {j} + S_j, so the sub-problem is the
 *   self-representation of the (m+1) x (m+1) kernel block A[R_j, R_j] and memory stays O(n m).
 *   lambda_j is scaled by (m + 1) / n so that the data term and the L1 term keep the balance
 *   they have in the full n-row problem.
 */
export interface ColumnContext {
  mode: 'full' | 'local';
  n: number;
  lambda: Float64Array;
  fista: Omit<FistaOptions, 'exclude'>;
  // full mode
  H?: Float32Array;
  /** full mode with the WebAssembly kernels: A and H live in this shared memory. */
  layout?: KernelLayout;
  // local mode
  m?: number;
  cand?: Int32Array;
  sigma?: number;
  gaussWeight?: number;
  labelWeight?: number;
  labelDiscount?: number;
  yIds?: Int32Array;
  norms?: Float64Array;
  dense?: { data: Float32Array; cols: number };
  csr?: { indptr: Int32Array; indices: Int32Array; values: Float32Array; cols: number };
}

export interface ColumnSolution { idx: Int32Array; val: Float64Array; iterations: number }

/** Columns advanced in lockstep by the full solve (matmat8 takes 8 right-hand sides). */
export const BATCH = 8;

export class ColumnSolver {
  private gram!: DenseGram;
  private kernels?: Kernels;
  /** full mode: BATCH column states solved in lockstep (one H V product per iteration). */
  private cols: FistaColumn[] = [];
  private bs: Float64Array[] = [];
  private Hhs: Float64Array[] = [];
  private b: Float64Array;
  private local?: FistaColumn;
  private zero = new Float64Array(0);
  // local-mode scratch
  private R?: Int32Array; private Hh?: Float64Array;
  /** local mode: the kernel block and Gram form of one column (WebAssembly or TS) */
  private lp?: LocalProblem; private localOpts?: FistaOptions;

  /** `slot`: this thread's scratch slot in the shared kernel memory (0 = calling thread). */
  constructor(private ctx: ColumnContext, slot = 0) {
    if (ctx.mode === 'full') {
      this.kernels = ctx.layout ? new Kernels(ctx.layout, slot) : undefined;
      this.gram = this.kernels ? new WasmGram(ctx.H!, ctx.n, this.kernels) : new DenseGram(ctx.H!, ctx.n);
      this.b = new Float64Array(ctx.n);
      this.zero = new Float64Array(ctx.n);
      for (let t = 0; t < BATCH; t++) {
        this.cols.push(new FistaColumn(this.gram));
        this.bs.push(new Float64Array(ctx.n));
        this.Hhs.push(new Float64Array(ctx.n));
      }
    } else {
      const m = ctx.m!;
      this.b = new Float64Array(0);
      this.lp = localProblem({
        sigma: ctx.sigma!, gaussWeight: ctx.gaussWeight!, labelWeight: ctx.labelWeight!, labelDiscount: ctx.labelDiscount!,
        yIds: ctx.yIds!, norms: ctx.norms!, dense: ctx.dense, csr: ctx.csr,
      }, m + 1);
      this.gram = new DenseGram(this.lp.H, m);
      this.local = new FistaColumn(this.gram);
      this.R = new Int32Array(m + 1);
      this.Hh = new Float64Array(m);
      this.localOpts = { ...ctx.fista, exclude: -1 };
    }
  }

  /** Solves the given columns (full mode: in lockstep batches of BATCH). */
  solveMany(cols: ArrayLike<number>): ColumnSolution[] {
    const out: ColumnSolution[] = [];
    if (this.ctx.mode !== 'full') {
      for (let t = 0; t < cols.length; t++) out.push(this.solve(cols[t]));
      return out;
    }
    for (let t0 = 0; t0 < cols.length; t0 += BATCH) {
      const block = Array.from({ length: Math.min(BATCH, cols.length - t0) }, (_, t) => cols[t0 + t]);
      out.push(...this.solveBatch(block));
    }
    return out;
  }

  solve(j: number): ColumnSolution {
    const ctx = this.ctx;
    if (ctx.mode === 'full') return this.solveBatch([j])[0];
    const m = ctx.m!, R = this.R!, lp = this.lp!, q = m + 1;
    R[0] = j;
    for (let t = 0; t < m; t++) R[t + 1] = ctx.cand![j * m + t];
    // A[R, R] (Eq. 2), then H = A_S^T A_S, b = A_S^T a_j, c = a_j . a_j (A_S = AR[:, 1..m], a_j = AR[:, 0])
    lp.block(R);
    const c = lp.gram();
    const lam = ctx.lambda[j] * (q / ctx.n);
    const r = fistaLasso(this.gram, lp.b, c, lam, this.localOpts!, this.local, this.Hh);
    return support(r.w, R.subarray(1), r.iterations);
  }

  /**
   * Full mode: up to BATCH columns advance together; every iteration's dense products H h of
   * all active columns are one matrix-matrix product (WebAssembly matmat8: H is streamed from
   * memory once for 8 columns instead of once per column). Each column follows exactly its own
   * FISTA path (its own L, restarts, stopping), so results do not depend on the batching.
   */
  private solveBatch(js: number[]): ColumnSolution[] {
    const ctx = this.ctx, n = ctx.n, H = ctx.H!, k = this.kernels;
    for (let t = 0; t < js.length; t++) {
      const j = js[t], b = this.bs[t];
      for (let i = 0; i < n; i++) b[i] = H[j * n + i];
      this.cols[t].begin(b, H[j * n + j], ctx.lambda[j], { ...ctx.fista, exclude: j });
    }
    const hs: (Float64Array | null)[] = new Array(js.length).fill(null);
    for (;;) {
      let active = 0;
      for (let t = 0; t < js.length; t++) { hs[t] = this.cols[t].direction(); if (hs[t]) active++; }
      if (active === 0) break;
      if (k && active > 1) {
        const V = k.V, OUT = k.OUT, z = this.zero;
        const h0 = hs[0] ?? z, h1 = hs[1] ?? z, h2 = hs[2] ?? z, h3 = hs[3] ?? z, h4 = hs[4] ?? z, h5 = hs[5] ?? z, h6 = hs[6] ?? z, h7 = hs[7] ?? z;
        for (let i = 0, q = 0; i < n; i++, q += 8) {
          V[q] = h0[i]; V[q + 1] = h1[i]; V[q + 2] = h2[i]; V[q + 3] = h3[i];
          V[q + 4] = h4[i]; V[q + 5] = h5[i]; V[q + 6] = h6[i]; V[q + 7] = h7[i];
        }
        k.matmat8(n);
        const H0 = this.Hhs[0], H1 = this.Hhs[1], H2 = this.Hhs[2], H3 = this.Hhs[3], H4 = this.Hhs[4], H5 = this.Hhs[5], H6 = this.Hhs[6], H7 = this.Hhs[7];
        for (let i = 0, q = 0; i < n; i++, q += 8) {
          H0[i] = OUT[q]; H1[i] = OUT[q + 1]; H2[i] = OUT[q + 2]; H3[i] = OUT[q + 3];
          H4[i] = OUT[q + 4]; H5[i] = OUT[q + 5]; H6[i] = OUT[q + 6]; H7[i] = OUT[q + 7];
        }
      } else {
        for (let t = 0; t < js.length; t++) if (hs[t]) this.gram.apply(hs[t]!, this.Hhs[t]);
      }
      for (let t = 0; t < js.length; t++) if (hs[t]) this.cols[t].step(this.Hhs[t]);
    }
    return js.map((_, t) => { const r = this.cols[t].result(); return support(r.w, null, r.iterations); });
  }
}

function support(w: Float64Array, map: Int32Array | null, iterations: number): ColumnSolution {
  let k = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) k++;
  const idx = new Int32Array(k), val = new Float64Array(k);
  let q = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) { idx[q] = map ? map[i] : i; val[q++] = w[i]; }
  return { idx, val, iterations };
}

/** H v by the WebAssembly SIMD kernel (dense v); sparse v and the corrections stay in TS. */
class WasmGram extends DenseGram {
  constructor(data: Float32Array, p: number, private kernels: Kernels) { super(data, p); }
  override apply(v: Float64Array, out: Float64Array): void {
    const p = this.p;
    let nnz = 0;
    for (let i = 0; i < p; i++) if (v[i] !== 0) nnz++;
    if (nnz * 3 < p) { super.apply(v, out); return; }
    this.kernels.matvec(v, out, p);
  }
}
