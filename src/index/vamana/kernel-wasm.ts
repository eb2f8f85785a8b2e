import type { VamanaGraph } from './graph.js';
import type { ScratchViews, WasmStore } from './store.js';
import type { Walker } from './search.js';

/**
 * GreedySearch in WebAssembly (assembly/vamana.ts) over the graph's memory (./store.ts): one
 * call per walk; the query, the list ℒ, the expanded set 𝒱 and the accept mask are scratch
 * regions of the same memory, read here through views renewed whenever the memory moved.
 */
export class WasmWalker implements Walker {
  private views: ScratchViews;
  private buf: ArrayBuffer;
  private layout = -1;
  qAug = 0;
  vCount = 0;
  distCount = 0;

  constructor(private readonly g: VamanaGraph, private readonly st: WasmStore) {
    this.views = st.scratch();
    this.buf = st.memory.buffer;
    this.layout = st.layouts;
  }

  /** The scratch views, renewed after a relayout or a memory growth. */
  private get v(): ScratchViews {
    const st = this.st;
    if (this.buf !== st.memory.buffer || this.layout !== st.layouts) {
      this.views = st.scratch();
      this.buf = st.memory.buffer; this.layout = st.layouts;
    }
    return this.views;
  }

  get q(): Float32Array { return this.v.q; }
  get vIds(): Int32Array { return this.v.vi; }
  get vD(): Float32Array { return this.v.vd; }

  search(start: number, L: number, collect: boolean): number {
    if (L > this.st.lcap) {
      // a longer list than the scratch holds: the relayout clears the scratch, query included
      const q = this.q.slice();
      this.g.fitList(L);
      this.q.set(q);
    }
    const ex = this.st.ex;
    ex.setQueryAug(this.qAug);
    const size = ex.search(start, L, collect ? 1 : 0, 0);
    this.vCount = ex.expandedCount();
    this.distCount = ex.distCount();
    return size;
  }

  listIds(): Int32Array { return this.v.li; }

  /** build.ts insertNode's step, whole in the kernel (search, RobustPrune, back edges). */
  insertNode(p: number, L: number, alpha: number): void {
    const g = this.g;
    if (L > this.st.lcap) g.fitList(L);
    this.st.ex.insertNode(p, g.medoid, L, alpha * alpha, g.R);
  }

  acceptMask(n: number, L: number, k: number): Uint8Array {
    // scratch first: a relayout would clear the mask (the accepted heap holds up to lcap)
    this.g.fitList(Math.max(L, k));
    return this.v.acc.subarray(0, n);
  }

  searchAccept(start: number, L: number, k: number, outI: Int32Array): number {
    if (Math.max(L, k) > this.st.lcap) throw new Error('vamana: acceptMask(n, L, k) must come first');
    const ex = this.st.ex;
    ex.setQueryAug(this.qAug);
    ex.search(start, L, 0, k);
    this.distCount = ex.distCount();
    const cnt = ex.drainAccepted();
    outI.set(this.v.ri.subarray(0, cnt));
    return cnt;
  }
}
