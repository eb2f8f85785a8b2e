import { loadEmbedded, defaultImports, ensureMemory } from '../../wasm/loader.js';
import * as bruteWasm from '../../wasm/generated/brute.js';
import { PanelStore } from './panel-store.js';
import type { BruteExports, PanelStorePayload } from './panel-store.js';
import type { PreselectViews } from './preselect.js';
import { scanTs, scanTsAbs, updateThr, FLT_MAX } from './preselect.js';

/**
 * What the kernel computes: the three dot-product families (Metric.dotForm.kind) through the
 * norms + matrix-product form, or L1 / Linf / Hamming directly (same tile, |q - b| or q != b
 * instead of q * b).
 */
export type DotKind = 'l2' | 'ip' | 'cosine' | 'l1' | 'linf' | 'hamming';

/** float32 unit roundoff. */
const U = 2 ** -24;
/** Squared norms above this could overflow float32 in the kernel: such data takes the scalar path. */
export const MAX_NORM_SQ = 1e36;
/**
 * Cosine divides by the norms: below this squared norm (but not zero) float32 products may be
 * subnormal and lose the relative accuracy the bound assumes, so such rows are always
 * re-ranked exactly and such queries are ranked exhaustively.
 */
export const MIN_COSINE_NORM_SQ = 1e-20;

/** Query rows per kernel call (a multiple of 4: the tile is 4 queries x 8 rows). */
const QUERY_BLOCK = 64;

/**
 * Bases whose panels take at most this many bytes share one process-wide instance (per module):
 * creating an instance and its memory per small index (cross-validation folds, per-class
 * indexes) costs more than packing a few hundred KiB again when another base was searched last.
 * A fresh memory is fresh pages, and first touches are what cost: a Binalpha fold (1,264 x 320,
 * 1.6 MB of panels) took ~10 ms to pack into a new instance against ~0.5 ms into pages already
 * mapped, on a fold whose whole search is ~4 ms. Up to 4 MiB a repack after another base stays
 * within a few milliseconds.
 */
export const SHARED_MAX_BYTES = 4 << 20;

/** The process-wide instance of small bases and the scanner whose panels it holds now. */
interface SharedInstance { ex: BruteExports & { memory: WebAssembly.Memory }; resident: WeakRef<DotScanner> | null }
const sharedInstances = new Map<WebAssembly.Module, SharedInstance>();

/** What a worker thread rebuilds a scanner from (the store is shared, the rest is small). */
export interface ScannerPayload {
  store: PanelStorePayload;
  kind: DotKind;
  maxNorm: number;
  always: Int32Array;
}

/** Receives query q's candidate rows (cand[0..count)), or count = -1: "rank every row exactly". */
export type CandidateSink = (q: number, cand: Int32Array, count: number) => void;

/**
 * Pre-selects, for each query, the few base rows that can be among its k nearest (or within a
 * radius) under L2 / inner product / cosine (the norms + matrix-product form) or L1 / Linf /
 * Hamming, computed blockwise in WebAssembly SIMD (or in TS when WebAssembly SIMD is missing).
 * The lists are supersets of the exact answer (see ./preselect.ts for the interval argument);
 * the caller re-ranks them with the metric's float64 kernel, so the result is bit-identical to
 * the scalar reference.
 *
 * Where the base lives (one copy in every mode):
 *  - large bases: a PanelStore (./panel-store.ts), WebAssembly memory in the packed panel
 *    layout, shared with searchAsync's worker threads where SharedArrayBuffer exists; rows are
 *    read back from the panels (`row`), the caller's row-major array is not kept;
 *  - small bases (panels up to SHARED_MAX_BYTES): the row-major rows, packed into one
 *    process-wide instance when their search finds another base there;
 *  - the TS fallback: the row-major rows.
 */
export class DotScanner {
  readonly kind: DotKind;
  readonly n: number;
  readonly d: number;
  /** 'relaxed' | 'simd' (WebAssembly) or 'ts' (fallback). */
  readonly variant: 'relaxed' | 'simd' | 'ts';
  /** Relative error bound of a float32 dot product of length d (with a safety factor of 2). */
  private readonly E: number;
  private readonly tiny: number;
  private readonly nPad: number;
  private readonly maxNorm: number;
  /** Rows the kernel cannot bound (tiny non-zero norms under cosine): added to every list. */
  private readonly always: Int32Array;
  /** JS row terms (TS path and small bases; a store keeps them in its memory only). */
  private readonly rowA: Float32Array | null = null;
  private readonly rowS: Float32Array | null = null;
  private readonly rowHi: Float32Array | null = null;
  /** Row-major rows (TS path and small bases); null when the panels of `store` are the only copy. */
  readonly base: Float32Array | null;
  /** The panels of a large base (own memory, shared with worker threads). */
  readonly store?: PanelStore;
  private readonly ex?: BruteExports;
  /** Set when this scanner packs into the process-wide instance (small bases): see SHARED_MAX_BYTES. */
  private readonly shared?: SharedInstance;
  // wasm byte offsets of the persistent region
  private offPanels = 0; private offRowA = 0; private offRowS = 0; private offRowHi = 0; private scratch = 0;
  /** This thread's scratch region in a store (taken once, re-taken when a layout needs more). */
  private lease = 0; private leaseBytes = 0;

  /** Whether the dot path is numerically safe for this base (norms well inside float32 range). */
  static supports(base: Float32Array, n: number, d: number): boolean {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = j * d, e = t + d; t < e; t++) s += base[t] * base[t];
      if (!(s <= MAX_NORM_SQ)) return false;
    }
    return true;
  }

  /** Whether a base of n x d takes the process-wide instance (no store of its own). */
  static small(n: number, d: number): boolean {
    return Math.ceil(n / 8) * 8 * d * 4 <= SHARED_MAX_BYTES;
  }

  /**
   * A scanner over `base` (row-major n x d). With `adopt`, `base` is adopt.rowMajor(): the rows
   * already sit in the store's memory and are packed there in place (no copy at all).
   * Throws RangeError when a store cannot be that large (wasm32); the caller then takes the TS path.
   * `attached` (see `attach`): `adopt` is another thread's store, already packed, whose row
   * terms are in place; only the two figures the queries' bounds need come with it.
   */
  constructor(base: Float32Array, n: number, d: number, kind: DotKind, useWasm = true, adopt?: PanelStore,
    attached?: { maxNorm: number; always: Int32Array }) {
    this.kind = kind; this.n = n; this.d = d;
    this.E = (2 * d + 64) * U;
    this.tiny = 1e-37 * (d + 1);
    const nPad = this.nPad = Math.ceil(n / 8) * 8;
    if (attached && adopt) {
      this.maxNorm = attached.maxNorm; this.always = attached.always;
      this.store = adopt; this.base = null; this.variant = adopt.variant; this.ex = adopt.ex;
      this.offPanels = adopt.offPanels; this.offRowA = adopt.offRowA; this.offRowS = adopt.offRowS; this.offRowHi = adopt.offRowHi;
      return;
    }
    const rowA = new Float32Array(nPad).fill(Infinity);
    const rowS = new Float32Array(nPad);
    const rowHi = new Float32Array(nPad);
    let maxNorm = 0;
    const always: number[] = [];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = j * d, e = t + d; t < e; t++) s += base[t] * base[t];
      const norm = Math.sqrt(s);
      if (norm > maxNorm) maxNorm = norm;
      if (kind === 'l2') { rowA[j] = s * (1 - this.E); rowS[j] = 2; rowHi[j] = 2 * this.E * s; }
      else if (kind === 'ip') { rowA[j] = 0; rowS[j] = 1; }
      else if (kind === 'cosine') {
        if (s > 0 && s < MIN_COSINE_NORM_SQ) always.push(j); // excluded from the kernel (rowA = Infinity)
        else { rowA[j] = 0; rowS[j] = s > 0 ? 1 / norm : 0; }
      }
      else rowA[j] = 0; // l1, linf, hamming: key = value
    }
    this.maxNorm = maxNorm;
    this.always = Int32Array.from(always);
    if (!adopt && useWasm && !DotScanner.small(n, d)) adopt = PanelStore.create(n, d) ?? undefined;
    else if (adopt) adopt.packInPlace();
    if (adopt) {
      // a large base: the panels become the only copy, the row terms live beside them
      if (base.buffer !== adopt.memory.buffer) adopt.packFrom(base);
      const st = this.store = adopt;
      this.base = null;
      this.variant = st.variant;
      this.ex = st.ex;
      this.offPanels = st.offPanels; this.offRowA = st.offRowA; this.offRowS = st.offRowS; this.offRowHi = st.offRowHi;
      st.rowArray(st.offRowA).set(rowA); st.rowArray(st.offRowS).set(rowS); st.rowArray(st.offRowHi).set(rowHi);
      return;
    }
    this.base = base;
    this.rowA = rowA; this.rowS = rowS; this.rowHi = rowHi;
    const loaded = useWasm ? loadEmbedded('brute', bruteWasm) : null;
    if (!loaded) { this.variant = 'ts'; return; }
    this.variant = loaded.variant;
    // A small base: persistent region (packed panels, rowA, rowS, rowHi) then the scratch
    // region, in the process-wide instance; its JS copies are kept for repacking.
    let off = 1024; // keep address 0 and its neighbourhood unused
    this.offPanels = off; off += nPad * d * 4;
    this.offRowA = off; off += nPad * 4;
    this.offRowS = off; off += nPad * 4;
    this.offRowHi = off; off += nPad * 4;
    this.scratch = align(off);
    let sh = sharedInstances.get(loaded.module);
    if (!sh) sharedInstances.set(loaded.module, sh = { ex: new WebAssembly.Instance(loaded.module, defaultImports()).exports as unknown as SharedInstance['ex'], resident: null });
    this.shared = sh;
    this.ex = sh.ex; // packed at the first search (resident())
  }

  /** A worker thread's scanner over a store made by another thread (see `payload`). */
  static attach(p: ScannerPayload): DotScanner {
    return new DotScanner(EMPTY, p.store.n, p.store.d, p.kind, true, PanelStore.attach(p.store), p);
  }

  /** What `attach` needs in a worker thread; null when there is no shareable store. */
  payload(): ScannerPayload | null {
    const sp = this.store?.payload();
    return sp ? { store: sp, kind: this.kind, maxNorm: this.maxNorm, always: this.always } : null;
  }

  /** Row j of the base into out[o..o+d) (from the panels when they are the only copy). */
  row(j: number, out: Float32Array, o = 0): Float32Array {
    if (this.store) return this.store.row(j, out, o);
    const d = this.d;
    for (let t = 0; t < d; t++) out[o + t] = this.base![j * d + t];
    return out;
  }

  /** The row term rowA (a view of the store's, or the JS copy). */
  private rowAView(): Float32Array {
    return this.store ? this.store.rowArray(this.offRowA) : this.rowA!;
  }

  /** Copies the base into the instance's memory: panels (8 rows interleaved) and the row keys. */
  private pack(): void {
    const ex = this.shared!.ex, n = this.n, d = this.d, nPad = this.nPad, base = this.base!;
    ensureMemory(ex.memory, this.scratch);
    const mem = ex.memory.buffer;
    const panels = new Float32Array(mem, this.offPanels, nPad * d);
    // padding rows (n..nPad) must read as zeros (their key rowA = Infinity never passes; a
    // shared memory holds another base's or scratch bytes there)
    if (nPad > n) panels.fill(0, (n >> 3) * d * 8, nPad * d);
    for (let j = 0; j < n; j++) {
      const dst = (j >> 3) * d * 8 + (j & 7), src = j * d;
      for (let t = 0; t < d; t++) panels[dst + t * 8] = base[src + t];
    }
    new Float32Array(mem, this.offRowA, nPad).set(this.rowA!);
    new Float32Array(mem, this.offRowS, nPad).set(this.rowS!);
    new Float32Array(mem, this.offRowHi, nPad).set(this.rowHi!);
  }

  /**
   * Makes this scanner's panels the shared instance's (a no-op for an own store, or when they
   * already are). Every search entry point calls it before touching the memory; the sinks it
   * then calls must not search another index (they re-rank in JS).
   */
  private resident(): void {
    const sh = this.shared;
    if (!sh || sh.resident?.deref() === this) return;
    this.pack();
    sh.resident = new WeakRef(this);
  }

  /**
   * Bytes held: a store's memory (panels, row terms, scratch of the threads that searched it),
   * or the row-major base and row terms (a shared instance counts this base's panels too).
   */
  memoryUsage(): number {
    if (this.store) return this.store.bytes + this.always.byteLength;
    const rows = this.rowA!.byteLength * 3 + this.base!.byteLength;
    if (this.shared) return this.nPad * this.d * 4 + rows;
    return rows;
  }

  /**
   * Pre-selects candidates for query rows [q0, q1) of `queries` (row-major, d floats per row).
   * `allowed` (optional, one byte per base row) excludes rows. Calls sink once per query.
   */
  preselect(queries: Float32Array, q0: number, q1: number, k: number, allowed: Uint8Array | null, sink: CandidateSink): void {
    this.resident();
    let rowA: Float32Array | null = null;
    if (allowed) {
      rowA = this.rowAView().slice();
      for (let j = 0; j < this.n; j++) if (!allowed[j]) rowA[j] = Infinity;
    }
    const cap = Math.min(Math.max(256, 4 * k), this.nPad);
    // keep the per-block state (heaps and lists) within ~32 MiB when k is large
    const fit = Math.max(4, Math.floor((32 << 20) / (cap * 12 + k * 8) / 4) * 4);
    const qb = Math.min(QUERY_BLOCK, fit, Math.ceil((q1 - q0) / 4) * 4);
    let st = this.layout(qb, k, cap, rowA);
    for (let b0 = q0; b0 < q1; b0 += qb) {
      const b1 = Math.min(b0 + qb, q1);
      const degenerate = this.loadQueries(st, queries, b0, b1, qb);
      this.runScan(st, b1 - b0);
      const again: number[] = [];
      for (let q = b0; q < b1; q++) {
        const i = q - b0;
        if (degenerate[i]) { sink(q, st.candJ, -1); continue; }
        if (st.overflow[i]) { again.push(q, st.T[i]); continue; }
        const T = st.heapCnt[i] < k ? Infinity : st.T[i];
        const s = i * cap;
        let m = 0;
        const cj = st.candJ.subarray(s, s + cap);
        for (let t = 0, n = st.candCnt[i]; t < n; t++) if (st.candLb[s + t] <= T) cj[m++] = st.candJ[s + t];
        this.emit(q, cj, m, allowed, sink);
      }
      if (again.length > 0) {
        // The band of near-ties of these queries outgrew their lists (exact ties, duplicate
        // rows): re-scan each alone with its final threshold frozen and a list as long as the data.
        for (let t = 0; t < again.length; t += 2) this.recollect(queries, again[t], again[t + 1], rowA, allowed, sink);
        st = this.layout(qb, k, cap, rowA);
      }
    }
  }

  /**
   * Radius pre-selection: for query rows [q0, q1), every row whose interval can reach the
   * reduced radius rr (lb <= rr). The threshold is frozen, the lists as long as the data.
   */
  preselectRadius(queries: Float32Array, q0: number, q1: number, rr: number, allowed: Uint8Array | null, sink: CandidateSink): void {
    this.resident();
    let rowA: Float32Array | null = null;
    if (allowed) {
      rowA = this.rowAView().slice();
      for (let j = 0; j < this.n; j++) if (!allowed[j]) rowA[j] = Infinity;
    }
    // keep the lists (12 bytes per row and query) within ~32 MB
    const fit = Math.max(4, Math.floor((32 << 20) / (this.nPad * 12) / 4) * 4);
    const qb = Math.min(fit, QUERY_BLOCK, Math.ceil((q1 - q0) / 4) * 4);
    const st = this.layout(qb, 0, this.nPad, rowA);
    for (let b0 = q0; b0 < q1; b0 += qb) {
      const b1 = Math.min(b0 + qb, q1);
      const degenerate = this.loadQueries(st, queries, b0, b1, qb);
      for (let i = 0; i < b1 - b0; i++) if (!degenerate[i]) { st.T[i] = rr; updateThr(st, i); }
      this.runScan(st, b1 - b0);
      for (let q = b0; q < b1; q++) {
        const i = q - b0;
        if (degenerate[i]) { sink(q, st.candJ, -1); continue; }
        const s = i * this.nPad;
        this.emit(q, st.candJ.subarray(s, s + st.candCnt[i]), st.candCnt[i], allowed, sink);
      }
    }
  }

  private recollect(queries: Float32Array, q: number, T: number, rowA: Float32Array | null, allowed: Uint8Array | null, sink: CandidateSink): void {
    const st = this.layout(4, 0, this.nPad, rowA);
    this.loadQueries(st, queries, q, q + 1, 4);
    st.T[0] = T;
    updateThr(st, 0);
    this.runScan(st, 1);
    this.emit(q, st.candJ.subarray(0, st.candCnt[0]), st.candCnt[0], allowed, sink);
  }

  /** Hands a list to the sink, with the always-candidate rows (if any, and allowed) appended. */
  private emit(q: number, cand: Int32Array, count: number, allowed: Uint8Array | null, sink: CandidateSink): void {
    if (this.always.length === 0) { sink(q, cand, count); return; }
    const out = new Int32Array(count + this.always.length);
    out.set(cand.subarray(0, count));
    let m = count;
    for (const j of this.always) if (!allowed || allowed[j]) out[m++] = j;
    sink(q, out, m);
  }

  /** Lays out (and views) the scratch state for blocks of qb queries. */
  private layout(qb: number, k: number, cap: number, filteredRowA: Float32Array | null): BlockState {
    const d = this.d, nPad = this.nPad;
    const ex = this.ex;
    if (!ex) {
      return {
        heap: new Float64Array(qb * Math.max(k, 1)), heapCnt: new Int32Array(qb), candJ: new Int32Array(qb * cap),
        candLb: new Float64Array(qb * cap), candCnt: new Int32Array(qb), overflow: new Int32Array(qb),
        qs: new Float64Array(qb), qLo: new Float64Array(qb), qHi: new Float64Array(qb), qsHi: new Float64Array(qb), T: new Float64Array(qb),
        thr: new Float32Array(qb), k, cap,
        queries: new Float32Array(qb * d), offQ: 0, offRowA: 0, rowA: filteredRowA ?? this.rowA!,
      };
    }
    const need = align(qb * d * 4) + align(qb * Math.max(k, 1) * 8) + align(qb * cap * 4) + align(qb * cap * 8)
      + 6 * align(qb * 8) + 4 * align(qb * 4) + (filteredRowA ? align(nPad * 4) : 0);
    let off = this.scratch;
    if (this.store) {
      // this thread's region of the shared memory: a larger layout takes a new one (the old is
      // left behind; doubling bounds what is left behind to the largest layout)
      if (need > this.leaseBytes) { this.leaseBytes = Math.max(need, 2 * this.leaseBytes); this.lease = this.store.alloc(this.leaseBytes); }
      off = this.lease;
    }
    const take = (bytes: number) => { const o = off; off = align(off + bytes); return o; };
    const offQ = take(qb * d * 4), offHeap = take(qb * Math.max(k, 1) * 8), offHeapCnt = take(qb * 4);
    const offCandJ = take(qb * cap * 4), offCandLb = take(qb * cap * 8), offCandCnt = take(qb * 4), offOver = take(qb * 4);
    const offQs = take(qb * 8), offQLo = take(qb * 8), offQHi = take(qb * 8), offQsHi = take(qb * 8), offT = take(qb * 8), offThr = take(qb * 4);
    const offRowA = filteredRowA ? take(nPad * 4) : this.offRowA;
    if (this.shared) ensureMemory(this.shared.ex.memory, off);
    const m = (this.store ? this.store.memory : this.shared!.ex.memory).buffer;
    if (filteredRowA) new Float32Array(m, offRowA, nPad).set(filteredRowA);
    ex.setState(offHeap, offHeapCnt, k, offCandJ, offCandLb, offCandCnt, cap, offOver, offQs, offQLo, offQHi, offT, offThr, this.offRowHi, offQsHi);
    return {
      heap: new Float64Array(m, offHeap, qb * Math.max(k, 1)), heapCnt: new Int32Array(m, offHeapCnt, qb),
      candJ: new Int32Array(m, offCandJ, qb * cap), candLb: new Float64Array(m, offCandLb, qb * cap),
      candCnt: new Int32Array(m, offCandCnt, qb), overflow: new Int32Array(m, offOver, qb),
      qs: new Float64Array(m, offQs, qb), qLo: new Float64Array(m, offQLo, qb), qHi: new Float64Array(m, offQHi, qb), qsHi: new Float64Array(m, offQsHi, qb),
      T: new Float64Array(m, offT, qb), thr: new Float32Array(m, offThr, qb), k, cap,
      queries: new Float32Array(m, offQ, qb * d), offQ, offRowA, rowA: filteredRowA ?? EMPTY,
    };
  }

  /**
   * Copies queries [b0, b1) into the block (zero rows pad it to qb), resets the per-query state
   * and sets each query's interval parameters. Returns flags of queries the kernel cannot bound
   * (non-finite norm products, cosine of a zero vector): those are ranked exhaustively.
   */
  private loadQueries(st: BlockState, queries: Float32Array, b0: number, b1: number, qb: number): Uint8Array {
    const d = this.d, E = this.E, tiny = this.tiny;
    const qv = st.queries;
    qv.fill(0);
    if (this.ex) {
      // WebAssembly layout: quads of 4 rows interleaved (value t of the 4 rows side by side)
      for (let r = 0; r < b1 - b0; r++) {
        const dst = (r >> 2) * 4 * d + (r & 3), src = (b0 + r) * d;
        for (let t = 0; t < d; t++) qv[dst + 4 * t] = queries[src + t];
      }
    } else {
      qv.set(queries.subarray(b0 * d, b1 * d));
    }
    st.heapCnt.fill(0); st.candCnt.fill(0); st.overflow.fill(0);
    const bad = new Uint8Array(qb);
    for (let i = 0; i < qb; i++) {
      st.T[i] = Infinity;
      st.thr[i] = -Infinity; // padding: never passes
      if (i >= b1 - b0) continue;
      let s = 0;
      for (let t = (b0 + i) * d, e = t + d; t < e; t++) s += queries[t] * queries[t];
      if (!(s <= MAX_NORM_SQ) || (this.kind === 'cosine' && s < MIN_COSINE_NORM_SQ)) { bad[i] = 1; continue; }
      const norm = Math.sqrt(s);
      if (this.kind === 'l2') {
        // v = |q|^2 + |b|^2 - 2 q.b, |error| <= E (|q|^2 + |b|^2) + tiny
        st.qs[i] = 1; st.qLo[i] = s * (1 - E) - tiny; st.qHi[i] = s * (1 + E) + tiny;
      } else if (this.kind === 'ip') {
        // v = 1 - q.b, |error| <= E |q| max|b| + tiny
        const B = E * norm * this.maxNorm + tiny;
        st.qs[i] = 1; st.qLo[i] = 1 - B; st.qHi[i] = 1 + B;
      } else if (this.kind === 'cosine') {
        // v = 1 - (q . b/|b|) / |q|, |error| <= E + tiny
        st.qs[i] = 1 / norm; st.qLo[i] = 1 - E - tiny; st.qHi[i] = 1 + E + tiny;
      } else if (this.kind === 'hamming') {
        // v = count / d; the count is exact, the margin only absorbs the division's rounding
        st.qs[i] = (1 - E) / d; st.qLo[i] = -tiny; st.qHi[i] = tiny; st.qsHi[i] = (1 + E) / d;
      } else {
        // L1 / Linf: sums (maxima) of non-negative terms, |error| <= E v + tiny
        st.qs[i] = 1 - E; st.qLo[i] = -tiny; st.qHi[i] = tiny; st.qsHi[i] = 1 + E;
      }
      if (this.kind === 'l2' || this.kind === 'ip' || this.kind === 'cosine') st.qsHi[i] = st.qs[i];
      st.thr[i] = FLT_MAX; // T = Infinity; Infinity keys (padding, filtered rows) never pass
    }
    return bad;
  }

  /**
   * Scans the quads that hold the block's `rows` queries: a short last block (141 queries =
   * 64 + 64 + 13) runs 4 quads, not the 16 its layout has room for (their padding rows could
   * never pass anyway).
   */
  private runScan(st: BlockState, rows: number): void {
    const nQuads = (rows + 3) >> 2, d = this.d;
    const kind = this.kind;
    if (!this.ex) {
      if (kind === 'l1' || kind === 'linf' || kind === 'hamming') scanTsAbs(kind === 'l1' ? 1 : kind === 'linf' ? 2 : 3, st, st.queries, nQuads, d, this.base!, 0, this.n, st.rowA, this.rowHi!);
      else scanTs(st, st.queries, nQuads, d, this.base!, 0, this.n, st.rowA, this.rowS!, this.rowHi!);
      return;
    }
    // One call per base block (~256 KiB of panels, in L2): V8 runs a WebAssembly function in
    // its baseline tier until a later call picks up the optimised code (no on-stack
    // replacement), so one long call would run unoptimised from start to end.
    const blockPanels = Math.max(1, Math.floor(262144 / (d * 32)));
    const nPanels = this.nPad >> 3;
    for (let p = 0; p < nPanels; p += blockPanels) {
      const p1 = Math.min(p + blockPanels, nPanels);
      if (kind === 'l1') this.ex.scanL1(st.offQ, nQuads, d, this.offPanels, p, p1, blockPanels, st.offRowA);
      else if (kind === 'linf') this.ex.scanLinf(st.offQ, nQuads, d, this.offPanels, p, p1, blockPanels, st.offRowA);
      else if (kind === 'hamming') this.ex.scanHamming(st.offQ, nQuads, d, this.offPanels, p, p1, blockPanels, st.offRowA);
      else this.ex.scan(st.offQ, nQuads, d, this.offPanels, p, p1, blockPanels, st.offRowA, this.offRowS);
    }
  }
}

/** One block's state: the pre-selection views plus where its queries and row keys live. */
interface BlockState extends PreselectViews {
  queries: Float32Array;
  offQ: number;
  offRowA: number;
  rowA: Float32Array;
}

/** BlockState.rowA where the kernel reads the row terms from its memory (only the TS scan reads the array). */
const EMPTY = new Float32Array(0);

function align(x: number): number {
  return (x + 63) & ~63;
}
