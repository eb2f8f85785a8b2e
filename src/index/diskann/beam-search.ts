import { KnnkitError } from '../../core/errors.js';
import { TopK } from '../../core/topk.js';
import type { Metric } from '../../metrics/types.js';
import type { ProductQuantizer } from '../pq/product-quantizer.js';
import type { NodeCache } from './cache.js';
import type { SectorLayout } from './layout.js';
import { VisitedSet } from './visited.js';

/** What the walk reads: the in-RAM part of a disk index (codes, cache) and its layout. */
export interface DiskGraph {
  readonly n: number;
  readonly dim: number;
  readonly R: number;
  readonly medoid: number;
  readonly metric: Metric;
  readonly pq: ProductQuantizer;
  /** n x m PQ codes (the walk's distances). */
  readonly codes: Uint8Array;
  readonly cache: NodeCache;
  readonly layout: SectorLayout;
  /** Cosine: the walk runs on unit vectors (the graph's space). */
  readonly cosine: boolean;
}

/** Per-query counters (DiskANN's QueryStats). */
export interface QueryCounters { reads: number; bytes: number; hops: number; cacheHits: number }

/**
 * DiskANN's BeamSearch (Subramanya et al. 2019, §3.3; `cached_beam_search` in the reference
 * code) for one query at a time, as a state machine driven by its caller, in two schedules
 * over one walk core (`pick`, `expand`):
 *
 * - **rounds** (the synchronous search; DiskANN's own): `begin`, then while `advance(W)` picks a
 *   beam, the caller reads the `pending` nodes' sectors into `slot(i)` and calls `consume`;
 *   then `finish`. The next beam is chosen only when the whole beam has been read.
 * - **pipelined** (`searchAsync`; PipeANN, Guo & Lu, OSDI 2025): `begin`, then the caller keeps
 *   up to W reads in flight: `issue()` hands out a free slot for the closest unpicked node of ℒ
 *   (expanding cached nodes on the way), `complete(slot)` expands a node as soon as its read
 *   lands, and the caller issues again to refill W. The walk ends when nothing is in flight and
 *   `issue()` finds no unpicked node. No read waits for the slowest of a beam; the price is
 *   reads chosen from a list that the reads still in flight would have changed.
 *
 * ℒ (size L) holds the closest nodes seen, ordered by their PQ (ADC) distance to the query,
 * each marked picked or not (picked: read, being read, or expanded). Expanding p gives its full
 * vector, whose exact distance to the query is recorded for re-ranking, and its out-neighbours,
 * which enter ℒ by PQ distance. The k best of the expanded nodes by exact distance are the
 * answer (re-ranking: PQ steers, full vectors decide). With W = 1 both schedules expand the
 * same nodes in the same order.
 *
 * Hops: in rounds, the number of beams (DiskANN's); pipelined, the longest chain of dependent
 * reads (a read issued when read r completed is one deeper than r): the disk round trips the
 * query had to wait for one after another, which is what a round counts too.
 */
export class BeamSearcher {
  private readonly g: DiskGraph;
  private readonly visited = new VisitedSet();
  /** The unvisited out-neighbours of the node being expanded (R slots). */
  private readonly nbr: Int32Array;
  /** Sum of the touched code bytes, kept so that the touch loop is not dropped as dead code. */
  touched = 0;
  private listId: Int32Array;
  private listD: Float64Array;
  private listExp: Uint8Array;
  private size = 0;
  private L = 0;
  private fullId = new Int32Array(256);
  private fullD = new Float64Array(256);
  private fullCount = 0;
  /** Nodes read (not cached) by this query, in order (`readNodes`: wasted-read accounting). */
  private readId = new Int32Array(256);
  private readCount = 0;
  /** ℒ's positions below `open` are all picked (a lower bound on the first unpicked one). */
  private open = 0;
  private readonly lut: Float32Array;
  /** The query in graph space (unit for cosine) and the raw query row (exact distances). */
  private readonly q: Float32Array;
  private qRaw: Float32Array = new Float32Array(0);
  private qOff = 0;
  /** Read buffers: W slots of layout.readBytes, with word views for the records. */
  private buf: Uint8Array;
  private bf32: Float32Array;
  private bi32: Int32Array;
  /** Nodes of the current beam that need a read, and how many. */
  readonly pending: Int32Array;
  pendingCount = 0;
  /** Pipelined schedule: the node read into each slot, its read depth, and the free slots. */
  private readonly slotNode: Int32Array;
  private readonly slotDepth: Int32Array;
  private readonly freeSlots: Int32Array;
  private freeCount: number;
  /** Read depth of the completion being expanded (0 before the first). */
  private depth = 0;
  readonly stats: QueryCounters = { reads: 0, bytes: 0, hops: 0, cacheHits: 0 };

  constructor(g: DiskGraph, readonly W: number) {
    this.g = g;
    this.listId = new Int32Array(1); this.listD = new Float64Array(1); this.listExp = new Uint8Array(1);
    this.lut = new Float32Array(g.pq.m * g.pq.ksub);
    this.q = new Float32Array(g.dim);
    this.buf = new Uint8Array(W * g.layout.readBytes);
    this.bf32 = new Float32Array(this.buf.buffer);
    this.bi32 = new Int32Array(this.buf.buffer);
    this.pending = new Int32Array(W);
    this.nbr = new Int32Array(g.R);
    this.slotNode = new Int32Array(W);
    this.slotDepth = new Int32Array(W);
    this.freeSlots = Int32Array.from({ length: W }, (_, i) => W - 1 - i);
    this.freeCount = W;
  }

  /** Reads in flight (pipelined schedule). */
  get inFlight(): number { return this.W - this.freeCount; }

  /** The nodes this query read from disk (not the cached ones), in the order they were read. */
  readNodes(): Int32Array { return this.readId.subarray(0, this.readCount); }

  /** Scratch bytes (visited set, list, read buffers). */
  bytes(): number { return this.visited.bytes + this.buf.byteLength + this.listId.byteLength * 3 + this.fullId.byteLength * 3 + this.readId.byteLength + this.lut.byteLength + this.slotNode.byteLength * 4; }

  /** The read buffer of pending node i (its sector(s)). */
  slot(i: number): Uint8Array {
    const rb = this.g.layout.readBytes;
    return this.buf.subarray(i * rb, (i + 1) * rb);
  }

  /** First sector of pending node i (rounds). */
  sectorOf(i: number): number { return this.g.layout.sectorOf(this.pending[i]); }

  /** First sector of the node issued into slot s (pipelined). */
  sectorOfSlot(s: number): number { return this.g.layout.sectorOf(this.slotNode[s]); }

  /** Starts the walk for row `off` of `qd` with list size L (ℒ = {medoid}). */
  begin(qd: Float32Array, off: number, L: number): void {
    const g = this.g, d = g.dim, q = this.q;
    this.qRaw = qd; this.qOff = off;
    q.set(qd.subarray(off, off + d));
    if (g.cosine) {
      let s = 0;
      for (let j = 0; j < d; j++) s += q[j] * q[j];
      s = Math.sqrt(s);
      if (s > 0) for (let j = 0; j < d; j++) q[j] /= s;
    }
    g.pq.lutL2(q, 0, this.lut);
    if (this.listId.length < L + 1) { this.listId = new Int32Array(L + 1); this.listD = new Float64Array(L + 1); this.listExp = new Uint8Array(L + 1); }
    this.visited.clear();
    if (this.freeCount !== this.W) throw new KnnkitError('index', `index: a query began with ${this.W - this.freeCount} reads of the previous one in flight`);
    this.L = L; this.size = 0; this.fullCount = 0; this.pendingCount = 0; this.readCount = 0; this.open = 0; this.depth = 0;
    const st = this.stats;
    st.reads = 0; st.bytes = 0; st.hops = 0; st.cacheHits = 0;
    if (g.medoid < 0) return;
    this.visited.add(g.medoid);
    this.listId[0] = g.medoid; this.listD[0] = this.pqDist(g.medoid); this.listExp[0] = 0;
    this.size = 1;
  }

  /** ADC distance: sum over the m sub-spaces of the query's table at the node's code. */
  private pqDist(v: number): number {
    const m = this.g.pq.m, ksub = this.g.pq.ksub, codes = this.g.codes, lut = this.lut, o = v * m;
    let s0 = 0, s1 = 0, j = 0;
    for (; j + 1 < m; j += 2) { s0 += lut[j * ksub + codes[o + j]]; s1 += lut[(j + 1) * ksub + codes[o + j + 1]]; }
    if (j < m) s0 += lut[j * ksub + codes[o + j]];
    return s0 + s1;
  }

  /** The closest unpicked node of ℒ, now marked picked; -1 when every node of ℒ is picked. */
  private pick(): number {
    const ex = this.listExp, size = this.size;
    let i = this.open;
    while (i < size && ex[i]) i++;
    this.open = i + 1;
    if (i >= size) { this.open = size; return -1; }
    ex[i] = 1;
    return this.listId[i];
  }

  /**
   * Rounds: picks the beam, the W closest unpicked nodes of ℒ (all chosen before any of them is
   * expanded). Cached ones are expanded now; the others are left in `pending` for the caller to
   * read. Returns false when ℒ is all picked.
   */
  advance(W: number): boolean {
    if (W > this.W) throw new KnnkitError('beamWidth', `beamWidth: ${W} exceeds the searcher's ${this.W} read slots`);
    const beam = this.slotNode, cache = this.g.cache;
    let b = 0;
    for (let v: number; b < W && (v = this.pick()) >= 0;) beam[b++] = v;
    if (b === 0) return false;
    this.stats.hops++;
    this.pendingCount = 0;
    for (let i = 0; i < b; i++) {
      const v = beam[i], co = cache.offsetOf(v);
      if (co >= 0) { this.stats.cacheHits++; this.expand(v, cache.f32, cache.i32, co); }
      else this.pending[this.pendingCount++] = v;
    }
    return true;
  }

  /** Rounds: expands the pending nodes from their read buffers (after the caller filled the slots). */
  consume(): void {
    const lay = this.g.layout, rb = lay.readBytes;
    for (let i = 0; i < this.pendingCount; i++) {
      const v = this.pending[i];
      this.noteRead(v);
      this.expand(v, this.bf32, this.bi32, (i * rb + lay.offsetIn(v)) >> 2);
    }
    this.pendingCount = 0;
  }

  /**
   * Pipelined: a free slot whose node (the closest unpicked one of ℒ) the caller must now read
   * into `slot(s)` from sector `sectorOfSlot(s)`, or -1 when all W slots are in flight or ℒ has
   * no unpicked node. Cached nodes met on the way are expanded at once (they cost no read).
   */
  issue(): number {
    if (this.freeCount === 0) return -1;
    const cache = this.g.cache;
    for (;;) {
      const v = this.pick();
      if (v < 0) return -1;
      const co = cache.offsetOf(v);
      if (co >= 0) { this.stats.cacheHits++; this.expand(v, cache.f32, cache.i32, co); continue; }
      const s = this.freeSlots[--this.freeCount];
      this.slotNode[s] = v;
      this.slotDepth[s] = this.depth + 1;
      return s;
    }
  }

  /** Pipelined: the read into slot s has landed; expands its node and frees the slot. */
  complete(s: number): void {
    const v = this.slotNode[s], lay = this.g.layout;
    this.depth = this.slotDepth[s];
    if (this.depth > this.stats.hops) this.stats.hops = this.depth;
    this.noteRead(v);
    this.expand(v, this.bf32, this.bi32, (s * lay.readBytes + lay.offsetIn(v)) >> 2);
    this.freeSlots[this.freeCount++] = s;
  }

  /** Pipelined: a failed read's slot back (the query is abandoned). */
  release(s: number): void { this.freeSlots[this.freeCount++] = s; }

  private noteRead(v: number): void {
    const lay = this.g.layout;
    this.stats.reads += lay.sectorsPerNode;
    this.stats.bytes += lay.readBytes;
    if (this.readCount === this.readId.length) { const a = new Int32Array(this.readCount * 2); a.set(this.readId); this.readId = a; }
    this.readId[this.readCount++] = v;
  }

  /** Expands node v whose record starts at word w of (f32, i32). */
  private expand(v: number, f32: Float32Array, i32: Int32Array, w: number): void {
    const g = this.g, d = g.dim, n = g.n;
    // exact (reduced) distance of the full vector, kept for re-ranking
    if (this.fullCount === this.fullId.length) {
      const a = new Int32Array(this.fullCount * 2), b = new Float64Array(this.fullCount * 2);
      a.set(this.fullId); b.set(this.fullD);
      this.fullId = a; this.fullD = b;
    }
    this.fullId[this.fullCount] = v;
    this.fullD[this.fullCount++] = g.metric.reduced(this.qRaw, this.qOff, f32, w, d);
    const deg = i32[w + d];
    if (deg < 0 || deg > g.R) throw new KnnkitError('index', `index: node ${v} has degree ${deg} in its sector (R = ${g.R}; corrupt index)`);
    // Three passes over the out-list. The PQ codes (n x m bytes, 64 MB at 2M) are read at random,
    // ~170 ns more per neighbour than from cache (measured): first the unvisited neighbours (the
    // visited set is in cache), then one load per code line for all of them (independent loads
    // the core overlaps, as DiskANN's prefetch does), then their ADC distances and the inserts,
    // in the out-list's order (the walk is the one-pass loop's).
    const visited = this.visited, nbr = this.nbr, codes = g.codes, m = g.pq.m, base = w + d + 1;
    let c = 0;
    for (let j = 0; j < deg; j++) {
      const u = i32[base + j];
      if (u < 0 || u >= n) throw new KnnkitError('index', `index: node ${v} links to ${u} in its sector (n = ${n}; corrupt index)`);
      if (visited.add(u)) nbr[c++] = u;
    }
    let touch = 0;
    for (let t = 0; t < c; t++) touch += codes[nbr[t] * m];
    this.touched = touch;
    const ids = this.listId, ds = this.listD, ex = this.listExp, L = this.L;
    for (let t = 0; t < c; t++) {
      const u = nbr[t];
      const du = this.pqDist(u);
      const size = this.size;
      if (size === L && du >= ds[L - 1]) continue;
      // sorted insertion (L is at most a few hundred: a shift beats a heap here)
      let lo = 0, hi = size;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (ds[mid] <= du) lo = mid + 1; else hi = mid; }
      const last = size < L ? size : L - 1;
      for (let t2 = last; t2 > lo; t2--) { ids[t2] = ids[t2 - 1]; ds[t2] = ds[t2 - 1]; ex[t2] = ex[t2 - 1]; }
      ids[lo] = u; ds[lo] = du; ex[lo] = 0;
      if (lo < this.open) this.open = lo;
      if (size < L) this.size = size + 1;
    }
  }

  /**
   * Re-ranking: the k best expanded nodes by exact distance that `accept` allows, written to
   * outI / outD (true distances) at `at`, sorted by (distance, label). Returns how many.
   */
  finish(k: number, accept: ((v: number) => boolean) | null, heap: TopK, outI: Int32Array, outD: Float32Array, at: number): number {
    heap.reset(k);
    const ids = this.fullId, ds = this.fullD;
    for (let i = 0; i < this.fullCount; i++) {
      const v = ids[i];
      if (accept === null || accept(v)) heap.push(ds[i], v);
    }
    return drainTrue(heap, this.g.metric, outI, outD, at);
  }
}

/** Drains a heap of reduced distances into rows sorted by (true distance, label). */
export function drainTrue(heap: TopK, metric: Metric, outI: Int32Array, outD: Float32Array, at: number): number {
  const k = heap.capacity, ti = new Int32Array(k), td = new Float64Array(k);
  const cnt = heap.drainSorted(ti, td);
  for (let j = 0; j < cnt; j++) td[j] = metric.reducedToDistance(td[j]);
  const order = Array.from({ length: cnt }, (_, j) => j).sort((a, b) => (td[a] - td[b]) || (ti[a] - ti[b]));
  for (let j = 0; j < cnt; j++) { outI[at + j] = ti[order[j]]; outD[at + j] = td[order[j]]; }
  return cnt;
}
