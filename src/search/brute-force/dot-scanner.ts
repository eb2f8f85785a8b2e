import { loadEmbedded, defaultImports, ensureMemory } from '../../wasm/loader.js';
import * as bruteWasm from '../../wasm/generated/brute.js';
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

interface BruteExports {
  memory: WebAssembly.Memory;
  setState(heap: number, heapCnt: number, k: number, candJ: number, candLb: number, candCnt: number, cap: number,
    overflow: number, qs: number, qLo: number, qHi: number, T: number, thr: number, rowHi: number, qsHi: number): void;
  scan(queries: number, nQuads: number, d: number, panels: number, p0: number, p1: number, blockPanels: number,
    rowA: number, rowS: number): void;
  scanL1(queries: number, nQuads: number, d: number, panels: number, p0: number, p1: number, blockPanels: number, rowA: number): void;
  scanLinf(queries: number, nQuads: number, d: number, panels: number, p0: number, p1: number, blockPanels: number, rowA: number): void;
  scanHamming(queries: number, nQuads: number, d: number, panels: number, p0: number, p1: number, blockPanels: number, rowA: number): void;
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
 * The base vectors are copied once, into the WebAssembly memory in the packed panel layout
 * (the module has no static data: the layout starts at 1 KiB); the memory grows as needed.
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
  private readonly rowA: Float32Array;
  private readonly rowS: Float32Array;
  private readonly rowHi: Float32Array;
  private readonly base: Float32Array;
  private readonly ex?: BruteExports;
  // wasm byte offsets of the persistent region
  private offPanels = 0; private offRowA = 0; private offRowS = 0; private offRowHi = 0; private scratch = 0;

  /** Whether the dot path is numerically safe for this base (norms well inside float32 range). */
  static supports(base: Float32Array, n: number, d: number): boolean {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = j * d, e = t + d; t < e; t++) s += base[t] * base[t];
      if (!(s <= MAX_NORM_SQ)) return false;
    }
    return true;
  }

  constructor(base: Float32Array, n: number, d: number, kind: DotKind, useWasm = true) {
    this.kind = kind; this.n = n; this.d = d; this.base = base;
    this.E = (2 * d + 64) * U;
    this.tiny = 1e-37 * (d + 1);
    const nPad = this.nPad = Math.ceil(n / 8) * 8;
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
    const loaded = useWasm ? loadEmbedded('brute', bruteWasm) : null;
    if (!loaded) {
      this.variant = 'ts';
      this.rowA = rowA; this.rowS = rowS; this.rowHi = rowHi;
      return;
    }
    this.variant = loaded.variant;
    const ex = this.ex = new WebAssembly.Instance(loaded.module, defaultImports()).exports as unknown as BruteExports;
    // Persistent region: packed panels, rowA, rowS, rowHi; the scratch region follows.
    let off = 1024; // keep address 0 and its neighbourhood unused
    this.offPanels = off; off += nPad * d * 4;
    this.offRowA = off; off += nPad * 4;
    this.offRowS = off; off += nPad * 4;
    this.offRowHi = off; off += nPad * 4;
    this.scratch = align(off);
    ensureMemory(ex.memory, this.scratch);
    const mem = ex.memory.buffer;
    const panels = new Float32Array(mem, this.offPanels, nPad * d);
    for (let j = 0; j < n; j++) {
      const dst = (j >> 3) * d * 8 + (j & 7), src = j * d;
      for (let t = 0; t < d; t++) panels[dst + t * 8] = base[src + t];
    }
    new Float32Array(mem, this.offRowA, nPad).set(rowA);
    new Float32Array(mem, this.offRowS, nPad).set(rowS);
    new Float32Array(mem, this.offRowHi, nPad).set(rowHi);
    // In the wasm path the JS copies are only needed for filtered calls (rowA) and sizes.
    this.rowA = rowA; this.rowS = rowS; this.rowHi = rowHi;
  }

  /** Bytes held (WebAssembly memory or TS arrays). */
  memoryUsage(): number {
    const rows = this.rowA.byteLength * 3;
    return this.ex ? this.ex.memory.buffer.byteLength + rows : rows;
  }

  /**
   * Pre-selects candidates for query rows [q0, q1) of `queries` (row-major, d floats per row).
   * `allowed` (optional, one byte per base row) excludes rows. Calls sink once per query.
   */
  preselect(queries: Float32Array, q0: number, q1: number, k: number, allowed: Uint8Array | null, sink: CandidateSink): void {
    let rowA: Float32Array | null = null;
    if (allowed) {
      rowA = this.rowA.slice();
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
      this.runScan(st, qb);
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
    let rowA: Float32Array | null = null;
    if (allowed) {
      rowA = this.rowA.slice();
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
      this.runScan(st, qb);
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
    this.runScan(st, 4);
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
        queries: new Float32Array(qb * d), offQ: 0, offRowA: 0, rowA: filteredRowA ?? this.rowA,
      };
    }
    let off = this.scratch;
    const take = (bytes: number) => { const o = off; off = align(off + bytes); return o; };
    const offQ = take(qb * d * 4), offHeap = take(qb * Math.max(k, 1) * 8), offHeapCnt = take(qb * 4);
    const offCandJ = take(qb * cap * 4), offCandLb = take(qb * cap * 8), offCandCnt = take(qb * 4), offOver = take(qb * 4);
    const offQs = take(qb * 8), offQLo = take(qb * 8), offQHi = take(qb * 8), offQsHi = take(qb * 8), offT = take(qb * 8), offThr = take(qb * 4);
    const offRowA = filteredRowA ? take(nPad * 4) : this.offRowA;
    ensureMemory(ex.memory, off);
    const m = ex.memory.buffer;
    if (filteredRowA) new Float32Array(m, offRowA, nPad).set(filteredRowA);
    ex.setState(offHeap, offHeapCnt, k, offCandJ, offCandLb, offCandCnt, cap, offOver, offQs, offQLo, offQHi, offT, offThr, this.offRowHi, offQsHi);
    return {
      heap: new Float64Array(m, offHeap, qb * Math.max(k, 1)), heapCnt: new Int32Array(m, offHeapCnt, qb),
      candJ: new Int32Array(m, offCandJ, qb * cap), candLb: new Float64Array(m, offCandLb, qb * cap),
      candCnt: new Int32Array(m, offCandCnt, qb), overflow: new Int32Array(m, offOver, qb),
      qs: new Float64Array(m, offQs, qb), qLo: new Float64Array(m, offQLo, qb), qHi: new Float64Array(m, offQHi, qb), qsHi: new Float64Array(m, offQsHi, qb),
      T: new Float64Array(m, offT, qb), thr: new Float32Array(m, offThr, qb), k, cap,
      queries: new Float32Array(m, offQ, qb * d), offQ, offRowA, rowA: filteredRowA ?? this.rowA,
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

  private runScan(st: BlockState, qb: number): void {
    const nQuads = qb >> 2, d = this.d;
    const kind = this.kind;
    if (!this.ex) {
      if (kind === 'l1' || kind === 'linf' || kind === 'hamming') scanTsAbs(kind === 'l1' ? 1 : kind === 'linf' ? 2 : 3, st, st.queries, nQuads, d, this.base, 0, this.n, st.rowA, this.rowHi);
      else scanTs(st, st.queries, nQuads, d, this.base, 0, this.n, st.rowA, this.rowS, this.rowHi);
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

function align(x: number): number {
  return (x + 63) & ~63;
}
