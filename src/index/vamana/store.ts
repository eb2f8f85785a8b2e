import { simd, relaxed } from '../../wasm/generated/vamana.js';
import { simd as simdShared, relaxed as relaxedShared } from '../../wasm/generated/vamana_shared.js';
import { loadEmbedded } from '../../wasm/loader.js';

/** What assembly/vamana.ts exports. */
export interface VamanaExports {
  setGraph(dim: number, stride: number, vec: number, adj: number, deg: number, flags: number, aug: number): void;
  setScratch(q: number, tags: number, cap: number, li: number, ld: number, le: number, vi: number, vd: number, vcap: number,
    xi: number, xd: number, acc: number, ri: number, rd: number): void;
  setQueryAug(a: number): void;
  setPruneScratch(po: number, pk: number, lv: number): void;
  setLocks(locks: number): void;
  insertNode(p: number, medoid: number, L: number, a2: number, R: number): void;
  search(start: number, L: number, collect: number, k: number): number;
  drainAccepted(): number;
  expandedCount(): number;
  distCount(): number;
}

/**
 * The Vamana kernel's module through the one loader (src/wasm/loader.ts: setWasmMode and
 * KNNKIT_WASM=off give null, and the graph then lives in ordinary typed arrays walked by the
 * TypeScript GreedySearch).
 */
export function vamanaModule(shared = false): WebAssembly.Module | null {
  if (typeof WebAssembly === 'undefined') return null;
  try {
    return shared
      ? loadEmbedded('vamana_shared', { simd: simdShared, relaxed: relaxedShared })?.module ?? null
      : loadEmbedded('vamana', { simd, relaxed })?.module ?? null;
  } catch { return null; }
}

/** Whether WebAssembly shared memory works here (Node; browsers need cross-origin isolation). */
export function sharedMemoryWorks(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof WebAssembly === 'undefined') return false;
  try { return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor).buffer instanceof SharedArrayBuffer; } catch { return false; }
}

/** Addresses of one kernel instance's scratch (assembly/_vamana_core.ts setScratch / setPruneScratch). */
export interface ScratchBlock {
  q: number; tags: number; li: number; ld: number; le: number; vi: number; vd: number; xi: number; xd: number;
  acc: number; ri: number; rd: number; po: number; pk: number; lv: number;
}

/** Addresses of the graph regions (assembly/_vamana_core.ts setGraph). */
export interface GraphRegions { dim: number; stride: number; vec: number; adj: number; deg: number; flags: number; aug: number }

/** Carves one scratch block out of `take` for `cap` nodes, lists up to `lcap`, staging for `xcap` ids. */
function takeScratch(take: (bytes: number) => number, dim: number, cap: number, lcap: number, xcap: number): ScratchBlock {
  const q = take(dim * 4), tags = take(cap * 4);
  const li = take((lcap + 1) * 4), ld = take((lcap + 1) * 4), le = take(lcap + 1);
  // 𝒱 (at most every node) plus a slot of neighbours: RobustPrune's candidates
  const vi = take((cap + xcap) * 4), vd = take((cap + xcap) * 4);
  const xi = take(xcap * 4), xd = take(xcap * 4);
  const acc = take(cap), ri = take((lcap + 1) * 4), rd = take((lcap + 1) * 4);
  const po = take((cap + xcap) * 4), pk = take(cap + xcap), lv = take(32 * 4);
  return { q, tags, li, ld, le, vi, vd, xi, xd, acc, ri, rd, po, pk, lv };
}

/** Points a kernel instance at the graph and at its own scratch block (clears its visited tags). */
export function bindKernel(ex: VamanaExports, g: GraphRegions, s: ScratchBlock, cap: number): void {
  ex.setGraph(g.dim, g.stride, g.vec, g.adj, g.deg, g.flags, g.aug);
  ex.setScratch(s.q, s.tags, cap, s.li, s.ld, s.le, s.vi, s.vd, cap, s.xi, s.xd, s.acc, s.ri, s.rd);
  ex.setPruneScratch(s.po, s.pk, s.lv);
}

/** Where the parallel build's extra regions lie (WasmStore.parallelRegion). */
export interface ParallelRegion {
  /** Address of cap i32 lock words, all 0. */
  locks: number;
  /** Scratch blocks of the worker threads 1 .. threads - 1. */
  blocks: ScratchBlock[];
}

/** The graph's arrays, as VamanaGraph holds them. */
export interface GraphArrays {
  vectors: Float32Array; adj: Int32Array; degree: Int32Array; flags: Uint8Array; aug: Float32Array | null;
}

/** Scratch views of the kernel (valid until the next layout). */
export interface ScratchViews {
  q: Float32Array; li: Int32Array; vi: Int32Array; vd: Float32Array; acc: Uint8Array; ri: Int32Array; rd: Float32Array;
}

/** Low addresses are left to the module's own static data (AssemblyScript's stub runtime). */
const BASE = 65536;
const align = (n: number) => (n + 15) & ~15;

/**
 * One WebAssembly memory holding a Vamana graph (vectors, fixed-slot adjacency, degrees,
 * flags, augmentation) followed by the kernel's scratch, and the kernel instance bound to it.
 * The graph's typed arrays are views of this memory, so RobustPrune and consolidation (in
 * TypeScript) and the kernel's searches share the same bytes. A relayout (more capacity, a
 * new slot width, a longer list) moves the regions and invalidates earlier views: the graph
 * takes fresh ones from `arrays()` after each.
 */
export class WasmStore {
  readonly memory: WebAssembly.Memory;
  readonly ex: VamanaExports;
  private off = { vec: 0, adj: 0, deg: 0, flags: 0, aug: 0 };
  private sc: ScratchBlock = { q: 0, tags: 0, li: 0, ld: 0, le: 0, vi: 0, vd: 0, xi: 0, xd: 0, acc: 0, ri: 0, rd: 0, po: 0, pk: 0, lv: 0 };
  /** End of the layout (the parallel build's regions start here). */
  private end = BASE;
  cap = 0;
  stride = 0;
  /** Longest list ℒ (and largest accepted heap) the scratch holds. */
  lcap = 0;
  private xcap = 0;
  /** Layouts so far (each clears the scratch, the accept mask included). */
  layouts = 0;

  /**
   * `shared`: the memory is a SharedArrayBuffer and `module` the shared-memory kernel
   * (assembly/vamana_shared.ts), so that the parallel build's worker threads write the same graph.
   */
  constructor(readonly module: WebAssembly.Module, readonly dim: number, readonly hasAug: boolean, readonly shared = false) {
    this.memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared } as WebAssembly.MemoryDescriptor);
    const inst = new WebAssembly.Instance(module, { env: { memory: this.memory, abort: () => { throw new Error('vamana kernel: abort'); } } });
    this.ex = inst.exports as unknown as VamanaExports;
  }

  /**
   * Lays the memory out for `cap` nodes with slots of `stride`, scratch for lists up to `lcap`
   * and neighbour staging for `xcap` ids, keeping the first n nodes of `cur` (which may be
   * views of this memory: they are copied out before anything moves).
   */
  layout(cap: number, stride: number, lcap: number, xcap: number, cur: GraphArrays | null, n: number, curStride: number): void {
    const d = this.dim;
    const keep = cur && n > 0 ? {
      vectors: cur.vectors.slice(0, n * d), degree: cur.degree.slice(0, n), flags: cur.flags.slice(0, n),
      aug: cur.aug ? cur.aug.slice(0, n) : null, adj: new Int32Array(n * stride),
    } : null;
    if (keep && cur) for (let v = 0; v < n; v++) {
      const deg = Math.min(cur.degree[v], stride);
      keep.adj.set(cur.adj.subarray(v * curStride, v * curStride + deg), v * stride);
    }
    let p = BASE;
    const take = (bytes: number) => { const o = p; p += align(bytes); return o; };
    const o = this.off;
    o.vec = take(cap * d * 4); o.adj = take(cap * stride * 4); o.deg = take(cap * 4); o.flags = take(cap);
    o.aug = this.hasAug ? take(cap * 4) : 0;
    this.sc = takeScratch(take, d, cap, lcap, xcap);
    this.end = p;
    const have = this.memory.buffer.byteLength;
    if (p > have) this.memory.grow(Math.ceil((p - have) / 65536));
    new Uint8Array(this.memory.buffer, BASE, p - BASE).fill(0);
    this.cap = cap; this.stride = stride; this.lcap = lcap; this.xcap = xcap; this.layouts++;
    if (keep) {
      const a = this.arrays();
      a.vectors.set(keep.vectors); a.degree.set(keep.degree); a.flags.set(keep.flags); a.adj.set(keep.adj);
      if (a.aug && keep.aug) a.aug.set(keep.aug);
    }
    bindKernel(this.ex, this.regions(), this.sc, cap);
  }

  /** The graph regions' addresses (the parallel build's workers bind their instances to them). */
  regions(): GraphRegions {
    const o = this.off;
    return { dim: this.dim, stride: this.stride, vec: o.vec, adj: o.adj, deg: o.deg, flags: o.flags, aug: o.aug };
  }

  /**
   * The parallel build's regions past the end of the layout: cap lock words (zeroed) and one
   * scratch block per worker thread (threads - 1), each as large as the calling thread's, so a
   * worker's GreedySearch and RobustPrune are the serial ones. Valid until the next layout.
   */
  parallelRegion(threads: number): ParallelRegion {
    let p = this.end;
    const take = (bytes: number) => { const o = p; p += align(bytes); return o; };
    const locks = take(this.cap * 4);
    const blocks: ScratchBlock[] = [];
    for (let t = 1; t < threads; t++) blocks.push(takeScratch(take, this.dim, this.cap, this.lcap, this.xcap));
    const have = this.memory.buffer.byteLength;
    if (p > have) this.memory.grow(Math.ceil((p - have) / 65536));
    new Uint8Array(this.memory.buffer, this.end, p - this.end).fill(0);
    return { locks, blocks };
  }

  /** Scratch for lists up to L (grows, keeping the graph, when L exceeds it). */
  fitList(L: number, cur: GraphArrays, n: number): boolean {
    if (L <= this.lcap) return false;
    this.layout(this.cap, this.stride, Math.max(L, this.lcap * 2), this.xcap, cur, n, this.stride);
    return true;
  }

  /** Fresh views of the graph regions. */
  arrays(): GraphArrays {
    const b = this.memory.buffer, o = this.off, c = this.cap;
    return {
      vectors: new Float32Array(b, o.vec, c * this.dim), adj: new Int32Array(b, o.adj, c * this.stride),
      degree: new Int32Array(b, o.deg, c), flags: new Uint8Array(b, o.flags, c),
      aug: this.hasAug ? new Float32Array(b, o.aug, c) : null,
    };
  }

  /** Fresh views of the scratch the walker reads and writes. */
  scratch(): ScratchViews {
    const b = this.memory.buffer, o = this.sc, c = this.cap, l = this.lcap + 1;
    return {
      q: new Float32Array(b, o.q, this.dim), li: new Int32Array(b, o.li, l), vi: new Int32Array(b, o.vi, c), vd: new Float32Array(b, o.vd, c),
      acc: new Uint8Array(b, o.acc, c), ri: new Int32Array(b, o.ri, l), rd: new Float32Array(b, o.rd, l),
    };
  }

  bytes(): number { return this.memory.buffer.byteLength; }
}
