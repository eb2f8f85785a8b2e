import { KnnkitError } from '../core/errors.js';
import { loadEmbedded, defaultImports, ensureMemory } from '../wasm/loader.js';
import * as bitsWasm from '../wasm/generated/bits.js';
import { popcount32 } from '../search/hnsw/bits.js';

interface BitsExports {
  memory: WebAssembly.Memory;
  scanTopK(base: number, n: number, q: number, nq: number, W: number, k: number, mask: number, outD: number, outI: number): void;
  scanBlocked(base: number, n: number, q: number, nq: number, W: number, k: number, mask: number, outD: number, outI: number): void;
  /** scanTopK for rows of exactly W words (W = 1..8): held1 .. held8 */
  [held: `held${number}`]: (base: number, n: number, q: number, nq: number, k: number, mask: number, outD: number, outI: number) => void;
  /** k = 1 unmasked with the segment lower bound, rows of W = 3..8 words: minb3 .. minb8 (min-sum), pruned3 .. pruned8 (absolute differences) */
  [bound: `${'minb' | 'pruned'}${number}`]: (base: number, n: number, q: number, nq: number, dim: number, cnt: number, scr: number, outD: number, outI: number) => void;
  buildCounts(base: number, n: number, W: number, dim: number, cnt: number): void;
  buildMinCounts(base: number, n: number, W: number, dim: number, cnt: number, cw: number): void;
  packF32(src: number, nq: number, dim: number, W: number, dst: number): number;
}

/** Segments of the k = 1 lower bound (assembly/bits.ts SEG and MSEG). */
const SEGMENTS = 32;
/** Bytes of the min-sum kernel's table per 64-row group (assembly/bits.ts MGROUP): counts, P(x), padding flags. */
const MIN_GROUP_BYTES = SEGMENTS * 64 + 128 + 64;

/**
 * Which WebAssembly scan answers: `'auto'` the fastest for the row width (rows of <= 8 words:
 * one query at a time with its words held in registers; wider: four queries per row load; and
 * k = 1 without a mask, after `prepareNearest`, the segment-bound scan with the bound computed
 * as a sum of minima), `'absdiff'` the same with the earlier bound kernel (sums of absolute
 * differences; kept as the reference the min-sum kernel is benchmarked against), `'held'`
 * without the bound, `'blocked'` the four-query scan at every width (the reference the others
 * are tested against). All return the same neighbours and distances.
 */
export type BitScanKernel = 'auto' | 'absdiff' | 'held' | 'blocked';

/**
 * Exact k-NN over bit-packed rows by popcount (assembly/bits.ts, i64.popcnt), or its TypeScript
 * twin when WebAssembly is off. The base codes are copied into the module's memory once;
 * `search` returns Hamming distances (= squared L2 on 0/1 data).
 */
export class BitScan {
  private ex: BitsExports | null = null;
  private base = 1024;
  private scratch = 0;
  /** segment counts and the bound scan's scratch (prepareNearest), 0 until then */
  private cnt = 0;
  private boundScratch = 0;
  readonly path: 'wasm' | 'ts';

  constructor(private codes: Uint8Array, private n: number, readonly words64: number, readonly kernel: BitScanKernel = 'auto') {
    const loaded = loadEmbedded('bits', bitsWasm);
    this.path = loaded ? 'wasm' : 'ts';
    if (!loaded) return;
    this.ex = new WebAssembly.Instance(loaded.module, defaultImports()).exports as unknown as BitsExports;
    this.scratch = align16(this.base + n * words64 * 8);
    // room for a batch of 256 float32 queries now, so that a first search does not pay a memory.grow
    const room = 256 * (words64 * 64 * 4 + words64 * 8 + 64);
    ensureMemory(this.ex.memory, this.scratch + room);
    new Uint8Array(this.ex.memory.buffer, this.base, n * words64 * 8).set(codes.subarray(0, n * words64 * 8));
    // and written once, so that the OS maps those pages now: a first search writing into fresh
    // pages paid their faults (Binalpha, 140 queries: 179 kB of floats, ~0.15 ms of a 0.4 ms call)
    new Uint8Array(this.ex.memory.buffer, this.scratch, room).fill(0);
  }

  /**
   * Readies the k = 1 lower-bound scan (rows of 3..8 words, WebAssembly, kernel 'auto' or
   * 'absdiff'): per row the popcounts of 32 segments (35 bytes a row with their sum and a padding
   * flag; 32 for 'absdiff'), built here once. Hamming distance >= the sum
   * of |count differences|, so most rows are skipped without being scored; answers unchanged.
   * Returns whether the bound scan is in use. kNN-Graph calls it at fit; a brute-force index
   * (k of 10 and more) does not pay the memory.
   */
  prepareNearest(): boolean {
    const W = this.words64;
    if (!this.ex || (this.kernel !== 'auto' && this.kernel !== 'absdiff') || W < 3 || W > 8 || this.n === 0) return false;
    if (this.cnt) return true;
    // the query scratch is only used during a search, so it moves up behind the counts
    this.cnt = this.scratch;
    if (this.kernel === 'auto') {
      // min-sum kernel: groups of 64 rows; scratch: two queries' counts and bounds, 108 bytes of
      // temporaries and the segment starts (assembly/bits.ts nearestMin)
      const ng = (this.n + 63) >> 6;
      this.boundScratch = align16(this.cnt + ng * MIN_GROUP_BYTES);
      this.scratch = align16(this.boundScratch + 2 * (SEGMENTS * 16 + ng * 64) + 108 + 4 * (SEGMENTS + 1));
    } else {
      const nb = (this.n + 15) >> 4;
      this.boundScratch = this.cnt + nb * SEGMENTS * 16;
      this.scratch = align16(this.boundScratch + SEGMENTS * 16 + nb * 16 + 16);
    }
    const room = 256 * (W * 64 * 4 + W * 8 + 64);
    ensureMemory(this.ex.memory, this.scratch + room);
    new Uint8Array(this.ex.memory.buffer, this.boundScratch, this.scratch - this.boundScratch + room).fill(0);
    if (this.kernel === 'auto') this.ex.buildMinCounts(this.base, this.n, W, W * 64, this.cnt, this.boundScratch);
    else this.ex.buildCounts(this.base, this.n, W, W * 64, this.cnt);
    this.selfCheck();
    return true;
  }

  /**
   * The first rows scanned as queries (their packed codes are query rows already): each must
   * find a row at Hamming distance 0. A check of the counts just built, and a warm-up: V8
   * compiles WebAssembly with its baseline compiler first and optimises a function only once it
   * has run a while, so without it the first `search` after fit ran unoptimised code (Binalpha,
   * 140 queries: 0.3-1 ms against 0.19 warm). Costs one scan of min(n, 256) queries here.
   */
  private selfCheck(): void {
    const W = this.words64, nq = Math.min(this.n, 256);
    const dOff = this.scratch, iOff = dOff + nq * 4;
    for (let pass = 0; pass < 2; pass++) {
      this.scan(this.base, nq, 1, 0, dOff, iOff);
      const dist = new Int32Array(this.ex!.memory.buffer, dOff, nq);
      for (let i = 0; i < nq; i++) {
        if (dist[i] !== 0) throw new KnnkitError('index', `index: the bit scan found no row at distance 0 from row ${i} of its own data (distance ${dist[i]}; ${W} words, ${this.n} rows): a kernel fault`);
      }
    }
  }

  memoryUsage(): number { return this.ex ? this.ex.memory.buffer.byteLength : 0; }

  /** Rows of each query's k nearest (outI, -1 padded) and their Hamming distances (outD). */
  search(q: Uint8Array, nq: number, k: number, mask: Uint8Array | null, outI: Int32Array, outD: Int32Array): void {
    const W = this.words64, B = W * 8;
    if (!this.ex) return this.searchTs(q, nq, k, mask, outI, outD);
    let off = this.scratch;
    const qOff = off; off += nq * B;
    const mOff = mask ? off : 0; if (mask) off += (this.n + 7) & ~7;
    const dOff = off; off += nq * k * 4;
    const iOff = off; off += nq * k * 4;
    ensureMemory(this.ex.memory, off);
    const mem = this.ex.memory.buffer;
    new Uint8Array(mem, qOff, nq * B).set(q.subarray(0, nq * B));
    if (mask) new Uint8Array(mem, mOff, this.n).set(mask.subarray(0, this.n));
    this.scan(qOff, nq, k, mOff, dOff, iOff);
    outD.set(new Int32Array(mem, dOff, nq * k));
    outI.set(new Int32Array(mem, iOff, nq * k));
  }

  /**
   * `search` for float32 query rows of `dim` 0/1 values, packed inside the module. Returns false
   * (nothing written) when a value is not 0 or 1, so that the caller takes its float path.
   */
  searchF32(data: Float32Array, nq: number, dim: number, k: number, outI: Int32Array, outD: Int32Array): boolean {
    const W = this.words64, B = W * 8;
    if (!this.ex) {
      const q = new Uint8Array(nq * B);
      for (let i = 0; i < nq; i++) {
        for (let j = 0; j < dim; j++) {
          const v = data[i * dim + j];
          if (v === 1) q[i * B + (j >> 3)] |= 1 << (j & 7);
          else if (v !== 0) return false;
        }
      }
      this.searchTs(q, nq, k, null, outI, outD);
      return true;
    }
    let off = this.scratch;
    const fOff = off; off += nq * dim * 4;
    const qOff = off; off += nq * B;
    const dOff = off; off += nq * k * 4;
    const iOff = off; off += nq * k * 4;
    ensureMemory(this.ex.memory, off);
    const mem = this.ex.memory.buffer;
    new Float32Array(mem, fOff, nq * dim).set(data.subarray(0, nq * dim));
    if (this.ex.packF32(fOff, nq, dim, W, qOff) >= 0) return false;
    this.scan(qOff, nq, k, 0, dOff, iOff);
    outD.set(new Int32Array(mem, dOff, nq * k));
    outI.set(new Int32Array(mem, iOff, nq * k));
    return true;
  }

  private scan(qOff: number, nq: number, k: number, mOff: number, dOff: number, iOff: number): void {
    const ex = this.ex!, W = this.words64;
    // rows of <= 8 words: the export compiled for this width (its own function, so its own registers)
    if (this.cnt && k === 1 && mOff === 0) ex[`${this.kernel === 'auto' ? 'minb' : 'pruned'}${W}`](this.base, this.n, qOff, nq, W * 64, this.cnt, this.boundScratch, dOff, iOff);
    else if (this.kernel !== 'blocked' && W <= 8) ex[`held${W}`](this.base, this.n, qOff, nq, k, mOff, dOff, iOff);
    else ex.scanBlocked(this.base, this.n, qOff, nq, W, k, mOff, dOff, iOff);
  }

  private searchTs(q: Uint8Array, nq: number, k: number, mask: Uint8Array | null, outI: Int32Array, outD: Int32Array): void {
    const W32 = this.words64 * 2;
    const b32 = new Int32Array(this.codes.buffer, this.codes.byteOffset, this.n * W32);
    const q32 = new Int32Array(q.buffer, q.byteOffset, nq * W32);
    for (let i = 0; i < nq; i++) {
      const o = i * k;
      outD.fill(0x7fffffff, o, o + k); outI.fill(-1, o, o + k);
      let worst = 0x7fffffff;
      for (let j = 0; j < this.n; j++) {
        if (mask && mask[j] === 0) continue;
        let d = 0;
        for (let t = 0; t < W32; t++) d += popcount32(b32[j * W32 + t] ^ q32[i * W32 + t]);
        if (d >= worst) continue;
        let p = k - 1;
        while (p > 0 && outD[o + p - 1] > d) { outD[o + p] = outD[o + p - 1]; outI[o + p] = outI[o + p - 1]; p--; }
        outD[o + p] = d; outI[o + p] = j;
        worst = outD[o + k - 1];
      }
    }
  }
}

function align16(x: number): number { return (x + 15) & ~15; }
