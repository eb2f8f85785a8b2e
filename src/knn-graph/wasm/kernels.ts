import { simd as b64 } from '../../wasm/generated/knn_graph.js';
import { loadEmbedded } from '../../wasm/loader.js';

/**
 * WebAssembly SIMD kernels of the full solve (source: assembly/knn_graph.ts): H v (the one dense product
 * per FISTA iteration) and the row blocks of H = A A. They run on one shared WebAssembly
 * memory that holds A, H and a scratch slot per thread, so worker threads instantiate the same
 * module over the very same bytes. Absent WebAssembly SIMD or shared memory, or with
 * KNNKIT_WASM=off, the pure-TS loops are used (same results up to float32 summation order).
 */
export function kernelModule(): WebAssembly.Module | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    // the one loader (honours setWasmMode / KNNKIT_WASM); the plain SIMD build only: the solve's
    // results must not depend on whether the runtime fuses multiply-adds
    return loadEmbedded('knn_graph', { simd: b64, relaxed: '' })?.module ?? null;
  } catch {
    return null;
  }
}

/** Kept for callers that reset between KNNKIT_WASM switches: the loader's cache follows the mode. */
export function resetKernelModule(): void { /* the loader caches per mode */ }

const PAGE = 65536;
const BASE = PAGE; // keep page 0 for the module's own (empty) data

/** Byte layout of the shared memory of one full solve. */
export interface KernelLayout {
  memory: WebAssembly.Memory;
  n: number;
  A: number;
  H: number;
  /** dense training data (n x dim, f32) when dim > 0, for the dot products of step 1 */
  X: number;
  dim: number;
  scratch: number;
  slotBytes: number;
  slots: number;
}

const align = (x: number) => Math.ceil(x / 64) * 64;

export function createLayout(n: number, slots: number, dim = 0): KernelLayout | null {
  if (!kernelModule()) return null;
  const mat = align(n * n * 4);
  const slotBytes = align(n * 4) + align(n * 8) + 64 + align(n * 32) + align(n * 64);
  const xBytes = align(n * dim * 4);
  const total = BASE + 2 * mat + slots * slotBytes + xBytes;
  const pages = Math.ceil(total / PAGE);
  if (pages > 65536) return null;
  try {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true } as WebAssembly.MemoryDescriptor);
    return { memory, n, A: BASE, H: BASE + mat, scratch: BASE + 2 * mat, slotBytes, slots, X: BASE + 2 * mat + slots * slotBytes, dim };
  } catch {
    return null; // not enough memory for one block: the caller falls back to SharedArrayBuffers
  }
}

export class Kernels {
  private readonly matvecFn: (H: number, v: number, out: number, p: number, stride: number) => void;
  private readonly gramFn: (A: number, H: number, n: number, d: number, r0: number, r1: number, tmp: number) => void;
  private readonly matmatFn: (H: number, V: number, out: number, p: number, stride: number) => void;
  private readonly vOff: number; private readonly outOff: number; private readonly tmpOff: number;
  private readonly v32: Float32Array; private readonly out64: Float64Array;
  private readonly VOff: number; private readonly OUTOff: number;
  /** p x 8 right-hand sides (f32, interleaved) and products (f64) of matmat8. */
  readonly V: Float32Array; readonly OUT: Float64Array;

  constructor(readonly layout: KernelLayout, slot: number) {
    const inst = new WebAssembly.Instance(kernelModule()!, {
      env: { memory: layout.memory, abort: () => { throw new Error('knn-graph wasm kernel aborted'); } },
    });
    const ex = inst.exports as Record<string, unknown>;
    this.matvecFn = ex.matvec as Kernels['matvecFn'];
    this.gramFn = ex.gramRows as Kernels['gramFn'];
    this.matmatFn = ex.matmat8 as Kernels['matmatFn'];
    const base = layout.scratch + slot * layout.slotBytes;
    this.vOff = base;
    this.outOff = base + align(layout.n * 4);
    this.tmpOff = this.outOff + align(layout.n * 8);
    this.v32 = new Float32Array(layout.memory.buffer, this.vOff, layout.n);
    this.out64 = new Float64Array(layout.memory.buffer, this.outOff, layout.n);
    this.VOff = this.tmpOff + 64;
    this.OUTOff = this.VOff + align(layout.n * 32);
    this.V = new Float32Array(layout.memory.buffer, this.VOff, layout.n * 8);
    this.OUT = new Float64Array(layout.memory.buffer, this.OUTOff, layout.n * 8);
  }

  /** OUT = H V for the 8 interleaved right-hand sides in V (fill V first). */
  matmat8(p: number): void {
    this.matmatFn(this.layout.H, this.VOff, this.OUTOff, p, this.layout.n);
  }

  /** out = H v over the first p entries (H at its layout offset, row stride n). */
  matvec(v: Float64Array, out: Float64Array, p: number): void {
    const v32 = this.v32;
    for (let i = 0; i < p; i++) v32[i] = v[i];
    this.matvecFn(this.layout.H, this.vOff, this.outOff, p, this.layout.n);
    out.set(this.out64.subarray(0, p));
  }

  /** Rows [r0, r1) of H = A A (upper part, mirrored). */
  gramRows(r0: number, r1: number): void {
    this.gramFn(this.layout.A, this.layout.H, this.layout.n, this.layout.n, r0, r1, this.tmpOff);
  }

  /** All dot products <x_i, x_k> of the dense data (at layout.X) into the A region. */
  dataGram(): void {
    this.gramFn(this.layout.X, this.layout.A, this.layout.n, this.layout.dim, 0, this.layout.n, this.tmpOff);
  }
}
