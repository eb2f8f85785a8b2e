import { loadEmbedded, defaultImports } from '../../wasm/loader.js';
import * as ivfWasm from '../../wasm/generated/ivf.js';
import { Arena } from './arena.js';

/** The exports of assembly/ivf.ts (byte offsets into `memory`). */
export interface IvfExports {
  memory: WebAssembly.Memory;
  heapReset(hd: number, hi: number, cap: number): void;
  heapCount(): number;
  heapPush(d: number, label: number): void;
  scanL2(q: number, d: number, codes: number, labels: number, n: number, mask: number): void;
  scanIp(q: number, d: number, codes: number, labels: number, n: number, mask: number): void;
  scanList(Q: number, d: number, qs: number, nqs: number, codes: number, labels: number, n: number, mask: number, hd: number, hi: number, cnt: number, cap: number, ip: number, norms: number, qn: number, thr: number, rows: number): void;
  queryNorms(Q: number, d: number, b: number, qn: number): void;
  rowNorms(codes: number, labels: number, n: number, d: number, out: number): void;
  scanAdc(lut: number, bias: number, codes: number, labels: number, n: number, m: number, mask: number): void;
  addTables(a: number, b: number, out: number, len: number): void;
  tables(q: number, centroids: number, m: number, ksub: number, dsub: number, l2: number, scale: number, lut: number): void;
  quantizeTables(lut: number, m: number, out: number, info: number): void;
  scanFs(qlut: number, m: number, a: number, bias: number, codes: number, labels: number, n: number, mask: number): void;
}

/**
 * One instance of the IVF kernels (assembly/ivf.ts) per index: its memory is the index's arena
 * (the inverted lists, the PQ codebooks and tables, and named scratch blocks for a search: the
 * query, its tables, the mask, the top-k). Null from `create` when WebAssembly SIMD is
 * unavailable or KNNKIT_WASM=off / setWasmMode('off'): the families then run the TypeScript
 * twins (src/index/ivf/scan.ts, src/index/pq/fast-scan.ts).
 */
export class IvfKernels {
  readonly arena: Arena;
  private readonly named = new Map<string, number>();

  private constructor(readonly ex: IvfExports) {
    this.arena = new Arena(ex.memory);
  }

  static create(): IvfKernels | null {
    const loaded = loadEmbedded('ivf', ivfWasm);
    if (!loaded) return null;
    return new IvfKernels(new WebAssembly.Instance(loaded.module, defaultImports()).exports as unknown as IvfExports);
  }

  get buffer(): ArrayBuffer { return this.arena.buffer; }

  /** Makes named block `name` at least `bytes` long (its contents are lost when it grows). */
  reserve(name: string, bytes: number): void {
    const h = this.named.get(name);
    if (h !== undefined && this.arena.size(h) >= bytes) return;
    if (h !== undefined) this.arena.free(h);
    this.named.set(name, this.arena.alloc(Math.max(bytes, 16)));
  }

  /** Makes named block `name` at least `bytes` long, keeping its contents (grown to twice its size at least). */
  grow(name: string, bytes: number): void {
    const h = this.named.get(name);
    if (h !== undefined && this.arena.size(h) >= bytes) return;
    const old = h === undefined ? 0 : this.arena.size(h);
    const nh = this.arena.alloc(Math.max(bytes, 2 * old, 16));
    if (h !== undefined) {
      new Uint8Array(this.buffer).copyWithin(this.arena.offset(nh), this.arena.offset(h), this.arena.offset(h) + old);
      this.arena.free(h);
    }
    this.named.set(name, nh);
  }

  /** Byte offset of a named block (valid until the next reserve / allocation). */
  offset(name: string): number { return this.arena.offset(this.named.get(name)!); }

  has(name: string): boolean { return this.named.has(name); }

  f32(name: string, elems: number): Float32Array { return new Float32Array(this.buffer, this.offset(name), elems); }
  u8(name: string, elems: number): Uint8Array { return new Uint8Array(this.buffer, this.offset(name), elems); }

  /** Stores a copy of `data` as named block `name`. */
  put(name: string, data: Float32Array): void {
    this.reserve(name, data.byteLength);
    this.f32(name, data.length).set(data);
  }

  bytes(name: string): number {
    const h = this.named.get(name);
    return h === undefined ? 0 : this.arena.size(h);
  }

  /**
   * Copies the filter mask (a byte per label) into the module, zero-padded to `labels` bytes
   * (labels past the mask's end are disallowed). Returns its offset, or 0 without a mask.
   */
  mask(mask: Uint8Array | null, labels: number): number {
    if (!mask) return 0;
    const n = Math.max(labels, mask.length);
    this.reserve('mask', n);
    const m = this.u8('mask', n);
    m.set(mask);
    m.fill(0, mask.length);
    return this.offset('mask');
  }

  /** Sizes the top-k blocks for k pairs; call before taking offsets for a search. */
  reserveHeap(k: number): void {
    this.reserve('hd', k * 4);
    this.reserve('hi', k * 4);
  }

  heapReset(k: number): void {
    this.ex.heapReset(this.offset('hd'), this.offset('hi'), k);
  }

  /** The heap's pairs sorted by (distance, label) into idx / dist; returns how many. */
  drain(idx: Int32Array, dist: Float64Array): number {
    return this.drainAt(this.offset('hd'), this.offset('hi'), this.ex.heapCount(), idx, dist);
  }

  /**
   * The n pairs of a heap at byte offsets hd (f32) / hi (i32) sorted by (distance, label) into
   * idx / dist (an insertion sort: n is k, a few tens at most); returns n.
   */
  drainAt(hd: number, hi: number, n: number, idx: Int32Array, dist: Float64Array): number {
    const { f32: D, i32: I } = this.views();
    const d0 = hd >> 2, i0 = hi >> 2;
    for (let t = 0; t < n; t++) {
      const v = D[d0 + t], l = I[i0 + t];
      let p = t;
      while (p > 0 && (dist[p - 1] > v || (dist[p - 1] === v && idx[p - 1] > l))) { dist[p] = dist[p - 1]; idx[p] = idx[p - 1]; p--; }
      dist[p] = v; idx[p] = l;
    }
    return n;
  }

  /** Whole-memory views, made again only when the memory grew (two views per drained query were most of a search's garbage). */
  private views(): { f32: Float32Array; i32: Int32Array } {
    if (this.whole?.f32.buffer !== this.buffer) this.whole = { f32: new Float32Array(this.buffer), i32: new Int32Array(this.buffer) };
    return this.whole;
  }

  private whole: { f32: Float32Array; i32: Int32Array } | null = null;

  /** Everything the module holds (lists, tables, scratch and not yet compacted garbage). */
  memoryBytes(): number { return this.arena.top; }
}
