import { kernelModule } from './kernels.js';
import { kernelValue } from '../kernel.js';
import { LocalKernel, localGram, type LocalKernelSource } from '../local-kernel.js';

const PAGE = 65536;
const align = (x: number) => Math.ceil(x / 64) * 64;

/**
 * One thread's WebAssembly kernels for the local problem of the `candidates` mode (source:
 * assembly/knn_graph.ts, localD2 / localGram): the pairwise D2 of the (m + 1) dense rows of a
 * column's dictionary and the Gram form H = A_S^T A_S, b = A_S^T a_j, c = a_j . a_j. The
 * kernels keep every sum sequential in float64 (lanes hold different entries), so the results
 * are bit-identical to the TS loops of kernel.ts; exp() stays in JS (Math.exp) for the same
 * reason. CSR rows take the same per-block column lists as the TS path (localD2Sparse).
 *
 * The memory is private to the thread (the training rows are copied in once: n x d float32,
 * or the CSR arrays).
 */
export class LocalWasm {
  /** A[R, R] (q x q, float64) in the module's memory: `block` fills it, `gram` reads it. */
  readonly AR: Float64Array;
  /** H (m x m, float32) and b (m, float64) in the module's memory, written by `gram`. */
  readonly H: Float32Array;
  readonly b: Float64Array;
  private readonly R: Int32Array;
  private readonly d2Fn: (X: number, d: number, norms: number, R: number, q: number, XT: number, out: number) => void;
  private readonly gramFn: (AR: number, q: number, H: number, b: number) => number;
  private readonly d2SparseFn: (indptr: number, indices: number, values: number, norms: number, R: number, q: number,
    slotOf: number, cols: number, start: number, eRow: number, eVal: number, self: number, acc: number, out: number) => void;
  private readonly off: Record<'X' | 'norms' | 'R' | 'XT' | 'AR' | 'H' | 'b' | 'indptr' | 'indices' | 'values' | 'slotOf' | 'cols' | 'start' | 'eRow' | 'eVal' | 'self' | 'acc', number>;
  private readonly inv2s2: number;

  /** null when the WebAssembly kernels are unavailable (KNNKIT_WASM=off, no SIMD / shared memory). */
  static create(src: LocalKernelSource, q: number): LocalWasm | null {
    const mod = kernelModule();
    if (!mod) return null;
    try {
      return new LocalWasm(mod, src, q);
    } catch {
      return null; // memory could not be had: the TS path
    }
  }

  private constructor(mod: WebAssembly.Module, private readonly src: LocalKernelSource, readonly q: number) {
    const m = q - 1, n = src.norms.length;
    const d = src.dense ? src.dense.cols : 0, qp = (q + 1) & ~1;
    const csr = src.csr;
    // sparse scratch: at most q x (longest row) entries, as many distinct columns
    let maxRow = 0;
    if (csr) for (let i = 0; i < n; i++) maxRow = Math.max(maxRow, csr.indptr[i + 1] - csr.indptr[i]);
    const nnz = csr ? csr.indptr[n] : 0, entries = q * maxRow;
    let p = PAGE; // page 0: the module's own data
    const take = (bytes: number) => { const at = p; p += align(bytes); return at; };
    const off = {
      X: take(src.dense ? n * d * 4 : 0), norms: take(n * 8), R: take(q * 4), XT: take(d * qp * 8),
      AR: take(q * q * 8 + 64), H: take(m * m * 4), b: take(m * 8),
      indptr: take(csr ? (n + 1) * 4 : 0), indices: take(nnz * 4), values: take(nnz * 4),
      slotOf: take(csr ? csr.cols * 4 : 0), cols: take(entries * 4), start: take(csr ? (entries + 1) * 4 : 0),
      eRow: take(entries * 4), eVal: take(entries * 4), self: take(entries * 4), acc: take(csr ? q * 8 : 0),
    };
    const pages = Math.ceil(p / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true } as WebAssembly.MemoryDescriptor);
    const inst = new WebAssembly.Instance(mod, { env: { memory, abort: () => { throw new Error('knn-graph wasm kernel aborted'); } } });
    const ex = inst.exports as Record<string, unknown>;
    this.d2Fn = ex.localD2 as LocalWasm['d2Fn'];
    this.d2SparseFn = ex.localD2Sparse as LocalWasm['d2SparseFn'];
    this.gramFn = ex.localGram as LocalWasm['gramFn'];
    const buf = memory.buffer;
    if (src.dense) new Float32Array(buf, off.X, n * d).set(src.dense.data.subarray(0, n * d));
    if (csr) {
      new Int32Array(buf, off.indptr, n + 1).set(csr.indptr.subarray(0, n + 1));
      new Int32Array(buf, off.indices, nnz).set(csr.indices.subarray(0, nnz));
      new Float32Array(buf, off.values, nnz).set(csr.values.subarray(0, nnz));
      new Int32Array(buf, off.slotOf, csr.cols).fill(-1);
    }
    new Float64Array(buf, off.norms, n).set(src.norms);
    this.R = new Int32Array(buf, off.R, q);
    this.AR = new Float64Array(buf, off.AR, q * q);
    this.H = new Float32Array(buf, off.H, m * m);
    this.b = new Float64Array(buf, off.b, m);
    this.off = off;
    this.inv2s2 = 1 / (2 * src.sigma * src.sigma);
  }

  /** AR = A[R, R] (Eq. 2). */
  block(R: Int32Array): void {
    const s = this.src, q = this.q, AR = this.AR, y = s.yIds, o = this.off;
    const gw = s.gaussWeight, lw = s.labelWeight, disc = s.labelDiscount, inv = this.inv2s2;
    this.R.set(R);
    if (s.dense) this.d2Fn(o.X, s.dense.cols, o.norms, o.R, q, o.XT, o.AR);
    else this.d2SparseFn(o.indptr, o.indices, o.values, o.norms, o.R, q, o.slotOf, o.cols, o.start, o.eRow, o.eVal, o.self, o.acc, o.AR);
    // the upper triangle holds D2; the kernel values go to both triangles (lower ones are not read)
    for (let u = 0; u < q; u++) {
      const yu = y[R[u]];
      AR[u * q + u] = gw + lw;
      for (let v = u + 1; v < q; v++) {
        const val = kernelValue(AR[u * q + v], inv, gw, lw, disc, yu === y[R[v]]);
        AR[u * q + v] = val; AR[v * q + u] = val;
      }
    }
  }

  /** H, b from AR; returns c. */
  gram(): number {
    return this.gramFn(this.off.AR, this.q, this.off.H, this.off.b);
  }
}

/** The pure-TS twin with the same interface (KNNKIT_WASM=off, or no WebAssembly). */
export class LocalTs {
  readonly AR: Float64Array; readonly H: Float32Array; readonly b: Float64Array;
  private readonly lk: LocalKernel;
  constructor(src: LocalKernelSource, readonly q: number) {
    this.AR = new Float64Array(q * q); this.H = new Float32Array((q - 1) * (q - 1)); this.b = new Float64Array(q - 1);
    this.lk = new LocalKernel(src, q);
  }
  block(R: Int32Array): void { this.lk.block(R, this.AR); }
  gram(): number { return localGram(this.AR, this.q, this.H, this.b); }
}

export type LocalProblem = LocalWasm | LocalTs;

/** The WebAssembly kernels when available, else the TS loops (same results, bit for bit). */
export function localProblem(src: LocalKernelSource, q: number): LocalProblem {
  return LocalWasm.create(src, q) ?? new LocalTs(src, q);
}
