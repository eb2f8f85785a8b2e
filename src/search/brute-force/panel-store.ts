import { loadEmbedded, defaultImports, WASM_PAGE } from '../../wasm/loader.js';
import type { WasmVariant } from '../../wasm/loader.js';
import * as bruteWasm from '../../wasm/generated/brute.js';
import * as bruteShared from '../../wasm/generated/brute_shared.js';

/** Byte offset of the scratch allocator's top (an int32 count of 64-byte units). */
const TOP = 64;
/** The persistent region starts here (address 0 and its neighbourhood stay unused). */
const FIRST = 1024;
/** Largest memory the shared module declares (wasm32: 4 GiB). */
const MAX_PAGES = 65536;

/** What the kernels export (see assembly/_brute_core.ts). */
export interface BruteExports {
  memory?: WebAssembly.Memory;
  setState(heap: number, heapCnt: number, k: number, candJ: number, candLb: number, candCnt: number, cap: number,
    overflow: number, qs: number, qLo: number, qHi: number, T: number, thr: number, rowHi: number, qsHi: number): void;
  scan(queries: number, nQuads: number, d: number, panels: number, p0: number, p1: number, blockPanels: number,
    rowA: number, rowS: number): void;
  scanL1(queries: number, nQuads: number, d: number, panels: number, p0: number, p1: number, blockPanels: number, rowA: number): void;
  scanLinf(queries: number, nQuads: number, d: number, panels: number, p0: number, p1: number, blockPanels: number, rowA: number): void;
  scanHamming(queries: number, nQuads: number, d: number, panels: number, p0: number, p1: number, blockPanels: number, rowA: number): void;
}

/** What a worker thread needs to attach to a store: the memory and module are shared, not copied. */
export interface PanelStorePayload {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  variant: WasmVariant;
  n: number;
  d: number;
}

let sharedOk: boolean | undefined;
/** Whether this runtime makes shared WebAssembly memories (SharedArrayBuffer-backed). */
function sharedMemoryWorks(): boolean {
  if (sharedOk === undefined) {
    try {
      sharedOk = typeof SharedArrayBuffer === 'function'
        && new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor).buffer instanceof SharedArrayBuffer;
    } catch { sharedOk = false; }
  }
  return sharedOk;
}

/**
 * The one copy of a brute-force index's dense base vectors: WebAssembly linear memory holding
 * the rows in the kernel's packed panel layout (panel p = rows 8p..8p+7 as d x 8 floats, see
 * assembly/_brute_core.ts), then the per-row key terms rowA / rowS / rowHi, then the scratch
 * regions of the threads that search it.
 *
 * Where the runtime has SharedArrayBuffer the memory is shared: searchAsync's workers
 * instantiate the kernels on this very memory (`attach`), so every thread reads the same bytes
 * and nothing is copied per worker. Each thread takes its own scratch region from a bump
 * allocator whose top lives in the memory itself (Atomics), so threads never collide.
 *
 * Rows are read back (re-ranking, getVector) by gathering column t of their panel: the panels
 * are the only copy.
 */
export class PanelStore {
  readonly nPad: number;
  /** Byte offsets of the persistent region. */
  readonly offPanels: number;
  readonly offRowA: number;
  readonly offRowS: number;
  readonly offRowHi: number;
  /** This thread's instance of the kernels. */
  readonly ex: BruteExports;
  private view: Float32Array;

  private constructor(readonly memory: WebAssembly.Memory, readonly module: WebAssembly.Module, readonly variant: WasmVariant,
    readonly shared: boolean, readonly n: number, readonly d: number, ex: BruteExports | null) {
    const nPad = this.nPad = Math.ceil(n / 8) * 8;
    let off = FIRST;
    this.offPanels = off; off += nPad * d * 4;
    this.offRowA = off; off += nPad * 4;
    this.offRowS = off; off += nPad * 4;
    this.offRowHi = off; off += nPad * 4;
    this.ex = ex ?? (new WebAssembly.Instance(module, { env: { ...defaultImports().env, memory } }).exports as unknown as BruteExports);
    this.view = new Float32Array(memory.buffer);
  }

  /** Bytes before the scratch regions. */
  private get persistentEnd(): number { return align(this.offRowHi + this.nPad * 4); }

  /**
   * A fresh, zeroed store for n rows of d floats, or null when no WebAssembly SIMD kernel is
   * available (or the pure-TS path is forced). Throws RangeError when the memory cannot be
   * that large (wasm32: 4 GiB); the caller then takes the TS path.
   */
  static create(n: number, d: number): PanelStore | null {
    const shared = sharedMemoryWorks();
    const loaded = shared ? loadEmbedded('brute_shared', bruteShared) : loadEmbedded('brute', bruteWasm);
    if (!loaded) return null;
    const bytes = FIRST + (Math.ceil(n / 8) * 8) * (d + 3) * 4 + 64;
    if (bytes > MAX_PAGES * WASM_PAGE) throw new RangeError(`brute force: ${bytes} bytes exceed the WebAssembly memory limit`);
    let memory: WebAssembly.Memory, ex: BruteExports | null = null;
    if (shared) {
      memory = new WebAssembly.Memory({ initial: Math.max(2, Math.ceil(bytes / WASM_PAGE)), maximum: MAX_PAGES, shared: true } as WebAssembly.MemoryDescriptor);
    } else {
      ex = new WebAssembly.Instance(loaded.module, defaultImports()).exports as unknown as BruteExports;
      memory = ex.memory!;
    }
    const s = new PanelStore(memory, loaded.module, loaded.variant, shared, n, d, ex);
    s.ensure(s.persistentEnd);
    new Int32Array(memory.buffer, TOP, 1)[0] = s.persistentEnd / 64;
    return s;
  }

  /** This store seen from another thread (a worker of searchAsync): same memory, own instance. */
  static attach(p: PanelStorePayload): PanelStore {
    return new PanelStore(p.memory, p.module, p.variant, true, p.n, p.d, null);
  }

  /** What `attach` needs; null when the memory is private (no worker can share it). */
  payload(): PanelStorePayload | null {
    return this.shared ? { memory: this.memory, module: this.module, variant: this.variant, n: this.n, d: this.d } : null;
  }

  /** A float32 view of the whole memory (re-made after the memory grew). */
  f32(): Float32Array {
    // a private memory's old views are detached (length 0) by a grow; a shared one's stay valid but short
    if (this.view.byteLength < this.memory.buffer.byteLength) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** The panel region as n x d row-major floats, before `packInPlace` (the caller fills it). */
  rowMajor(): Float32Array {
    return new Float32Array(this.memory.buffer, this.offPanels, this.n * this.d);
  }

  /** Packs rows from `base` (row-major n x d, anywhere) into the panels. */
  packFrom(base: Float32Array): void {
    const d = this.d, v = this.f32(), p0 = this.offPanels >> 2;
    for (let j = 0; j < this.n; j++) {
      const dst = p0 + (j >> 3) * d * 8 + (j & 7), src = j * d;
      for (let t = 0; t < d; t++) v[dst + t * 8] = base[src + t];
    }
  }

  /**
   * Turns the row-major rows written through `rowMajor()` into panels, in place: rows
   * 8p..8p+7 occupy the same 8 d floats in both layouts, so each panel is transposed through
   * one 8 x d scratch (the padding rows of the last panel are the memory's zeros).
   */
  packInPlace(): void {
    const d = this.d, v = this.f32(), p0 = this.offPanels >> 2, tmp = new Float32Array(8 * d);
    for (let p = 0; p < this.nPad >> 3; p++) {
      const o = p0 + p * 8 * d;
      tmp.set(v.subarray(o, o + 8 * d));
      for (let r = 0; r < 8; r++) for (let t = 0; t < d; t++) v[o + t * 8 + r] = tmp[r * d + t];
    }
  }

  /** Row j into out[o..o+d) (column t of its panel, stride 8). */
  row(j: number, out: Float32Array, o = 0): Float32Array {
    const d = this.d, v = this.f32();
    let s = (this.offPanels >> 2) + (j >> 3) * d * 8 + (j & 7);
    for (let t = 0; t < d; t++, s += 8) out[o + t] = v[s];
    return out;
  }

  /** A float32 view of one of the per-row arrays (rowA / rowS / rowHi). */
  rowArray(off: number): Float32Array {
    return new Float32Array(this.memory.buffer, off, this.nPad);
  }

  /**
   * A scratch region of `bytes` for this thread: taken from the shared top with Atomics, so
   * two threads never get the same bytes; the memory grows as needed.
   */
  alloc(bytes: number): number {
    const units = Math.ceil(bytes / 64) + 1;
    const top = new Int32Array(this.memory.buffer, TOP, 1);
    const off = (this.shared ? Atomics.add(top, 0, units) : (top[0] += units) - units) * 64;
    this.ensure(off + bytes);
    return off;
  }

  /** Grows the memory to at least `bytes` (another thread may grow it at the same time). */
  private ensure(bytes: number): void {
    while (this.memory.buffer.byteLength < bytes) {
      const have = this.memory.buffer.byteLength;
      try {
        this.memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
      } catch (e) {
        if (this.memory.buffer.byteLength >= bytes) break; // another thread grew it
        throw e;
      }
    }
  }

  /** Bytes of linear memory (panels, row terms and every thread's scratch). */
  get bytes(): number { return this.memory.buffer.byteLength; }
}

function align(x: number): number {
  return (x + 63) & ~63;
}
