import { TopK } from '../../core/topk.js';
import { sqL2 } from './distance.js';
import { PURGED, type VamanaGraph } from './graph.js';

/**
 * GreedySearch as the build, the inserts and the searches use it; two implementations on the
 * same graph arrays: the TypeScript one below (the fallback, KNNKIT_WASM=off) and the
 * WebAssembly kernel (./kernel-wasm.ts, assembly/vamana.ts).
 */
export interface Walker {
  /** The query in graph space: write it here before `search` (a unit vector for cosine). */
  readonly q: Float32Array;
  /** The query's augmentation (inner product; 0 for a query, the node's own for an insert). */
  qAug: number;
  /** The expanded set 𝒱 of the last `collect` search: ids and distances to the query. */
  readonly vIds: ArrayLike<number>;
  readonly vD: ArrayLike<number>;
  readonly vCount: number;
  /** Distance evaluations of the last search. */
  readonly distCount: number;
  /** Walks from `start` with list size L; returns |ℒ| (read with listIds, nearest first). */
  search(start: number, L: number, collect: boolean): number;
  listIds(): ArrayLike<number>;
  /** A mask of n bytes (1 = may be returned) for `searchAccept(.., L, k, ..)` to read; fill it first. */
  acceptMask(n: number, L: number, k: number): Uint8Array;
  /**
   * Filtered or lazily-deleted search: walks as `search` (disallowed nodes are walked through)
   * and returns the k nearest evaluated nodes the mask allows, nearest first, in outI.
   */
  searchAccept(start: number, L: number, k: number, outI: Int32Array): number;
  /** The build's insert step for node p whole (build.ts insertNode), when the walker has it. */
  insertNode?(p: number, L: number, alpha: number): void;
}

/**
 * GreedySearch (DiskANN, Algorithm 1) with its scratch memory, reused across queries:
 * a list ℒ of the L closest nodes seen, sorted by distance, each marked expanded or not; start
 * at the medoid s; repeatedly expand p* = the closest unexpanded node of ℒ (add its out-
 * neighbours to ℒ, keep the L closest) until every node of ℒ is expanded. 𝒱, the expanded
 * nodes, is what the build's RobustPrune chooses from (`collect`). Each node's distance is
 * computed once (visited tags with an epoch, no clearing between queries).
 */
export class GreedySearcher implements Walker {
  private tags: Uint32Array;
  private epoch = 0;
  private listId: Int32Array;
  private listD: Float64Array;
  private listExp: Uint8Array;
  /** The expanded set 𝒱 of the last `collect` search: ids and distances to the query. */
  vIds: Int32Array;
  vD: Float64Array;
  vCount = 0;
  /** Distance evaluations of the last search. */
  distCount = 0;
  /** The query in graph space (a unit vector for cosine) and its augmentation (0 for a query). */
  readonly q: Float32Array;
  qAug = 0;

  constructor(private readonly g: VamanaGraph, L: number) {
    this.tags = new Uint32Array(Math.max(16, g.capacity));
    this.listId = new Int32Array(L + 1);
    this.listD = new Float64Array(L + 1);
    this.listExp = new Uint8Array(L + 1);
    this.vIds = new Int32Array(64);
    this.vD = new Float64Array(64);
    this.q = new Float32Array(g.dim);
  }

  private fit(L: number): void {
    if (this.tags.length < this.g.n) { this.tags = new Uint32Array(Math.max(this.g.capacity, this.g.n)); this.epoch = 0; }
    if (this.listId.length < L + 1) {
      this.listId = new Int32Array(L + 1); this.listD = new Float64Array(L + 1); this.listExp = new Uint8Array(L + 1);
    }
  }

  /** Distance from the current query to node b (graph space). */
  private qdist(b: number): number {
    const g = this.g, d = g.dim;
    const s = sqL2(this.q, 0, g.vectors, b * d, d);
    if (g.aug === null) return s;
    const t = this.qAug - g.aug[b];
    return s + t * t;
  }

  private mask = new Uint8Array(0);
  private heap: TopK | null = null;
  private tmpD = new Float64Array(0);

  acceptMask(n: number, _L: number, _k: number): Uint8Array {
    if (this.mask.length < n) this.mask = new Uint8Array(Math.max(n, this.g.capacity));
    return this.mask;
  }

  searchAccept(start: number, L: number, k: number, outI: Int32Array): number {
    const heap = (this.heap ??= new TopK(k));
    heap.reset(k);
    if (this.tmpD.length < k) this.tmpD = new Float64Array(k);
    this.walk(start, L, false, this.mask, heap);
    return heap.drainSorted(outI, this.tmpD);
  }

  search(start: number, L: number, collect: boolean): number { return this.walk(start, L, collect, null, null); }

  /**
   * Walks from `start` with list size L. `accept` (a mask, or null) feeds `heap` with every
   * evaluated node it allows (filtered and lazily-deleted search: disallowed nodes are walked
   * through but never returned). Returns the size of the list, read with `listIds`/`listDists`.
   */
  private walk(start: number, L: number, collect: boolean, accept: Uint8Array | null, heap: TopK | null): number {
    const g = this.g, S = g.stride, adj = g.adj, degree = g.degree, flags = g.flags;
    this.fit(L);
    if (++this.epoch === 0xffffffff) { this.tags.fill(0); this.epoch = 1; }
    const tags = this.tags, ep = this.epoch, ids = this.listId, ds = this.listD, ex = this.listExp;
    this.vCount = 0;
    let dc = 1;
    const d0 = this.qdist(start);
    tags[start] = ep;
    ids[0] = start; ds[0] = d0; ex[0] = 0;
    if (heap && accept![start]) heap.push(d0, start);
    let size = 1, cur = 0;
    while (cur < size) {
      const p = ids[cur];
      ex[cur] = 1;
      if (collect) this.pushV(p, ds[cur]);
      let next = cur + 1;
      const base = p * S, deg = degree[p];
      for (let j = 0; j < deg; j++) {
        const u = adj[base + j];
        if (tags[u] === ep) continue;
        tags[u] = ep;
        if (flags[u] === PURGED) continue;
        const du = this.qdist(u);
        dc++;
        if (heap && accept![u]) heap.push(du, u);
        if (size === L && du >= ds[L - 1]) continue;
        // insertion into the sorted list (L is a few hundred at most: a shift beats a heap here)
        let lo = 0, hi = size;
        while (lo < hi) { const m = (lo + hi) >> 1; if (ds[m] <= du) lo = m + 1; else hi = m; }
        const last = size < L ? size : L - 1;
        for (let t = last; t > lo; t--) { ids[t] = ids[t - 1]; ds[t] = ds[t - 1]; ex[t] = ex[t - 1]; }
        ids[lo] = u; ds[lo] = du; ex[lo] = 0;
        if (size < L) size++;
        if (lo < next) next = lo;
      }
      while (next < size && ex[next] === 1) next++;
      cur = next;
    }
    this.distCount = dc;
    return size;
  }

  listIds(): Int32Array { return this.listId; }
  listDists(): Float64Array { return this.listD; }

  private pushV(p: number, d: number): void {
    if (this.vCount === this.vIds.length) {
      const a = new Int32Array(this.vCount * 2), b = new Float64Array(this.vCount * 2);
      a.set(this.vIds); b.set(this.vD);
      this.vIds = a; this.vD = b;
    }
    this.vIds[this.vCount] = p; this.vD[this.vCount] = d; this.vCount++;
  }
}
