import { loadEmbedded, defaultImports, ensureMemory } from '../wasm/loader.js';
import * as scanWasm from '../wasm/generated/codec_scan.js';
import type { TopK } from '../core/topk.js';
import type { Codec } from './types.js';
import { Sq8Codec } from './sq8.js';

interface ScanExports {
  memory: WebAssembly.Memory;
  f16L2(base: number, n: number, q: number, nq: number, dim: number, out: number): void;
  f16Dot(base: number, n: number, q: number, nq: number, dim: number, out: number): void;
  sq8L2(base: number, n: number, q: number, nq: number, dim: number, aff: number, out: number): void;
  sq8Dot(base: number, n: number, q: number, nq: number, dim: number, aff: number, out: number): void;
}

/** What the kernel returns per (query, row): squared L2, or the dot product. */
export type ScanKind = 'l2' | 'dot';

// scores written per kernel call (nq x rows f32): small enough to stay in L2 next to the codes
const SCORE_FLOATS = 1 << 12;
const QUERY_BATCH = 64;

/**
 * f16 / sq8 code scan in WebAssembly SIMD (assembly/codec_scan.ts): rows are decoded in
 * registers and scored against four queries per row load; the host ranks the scores. A row's
 * score is the float32 distance of the query to the decoded row, so it ranks as decode-then-
 * distance does up to float32 rounding. `create` returns null for other codecs or when
 * WebAssembly SIMD is off (the caller then decodes in TypeScript).
 */
export class CodedScan {
  private readonly base = 1024;
  private readonly aff: number;
  private readonly scratch: number;

  private constructor(private readonly ex: ScanExports, private readonly codec: Codec, codes: Uint8Array, readonly n: number) {
    const B = codec.bytesPerVector, d = codec.dim;
    this.aff = (this.base + n * B + 15) & ~15;
    this.scratch = this.aff + (codec.name === 'sq8' ? 8 * d : 0);
    ensureMemory(ex.memory, this.scratch + QUERY_BATCH * d * 4 + SCORE_FLOATS * 4);
    new Uint8Array(ex.memory.buffer, this.base, n * B).set(codes.subarray(0, n * B));
    if (codec instanceof Sq8Codec) {
      // decoded x = vmin + (c + 0.5) / 255 * vdiff = a + b c, as Sq8Codec.decode
      const t = new Float32Array(ex.memory.buffer, this.aff, 2 * d);
      for (let j = 0; j < d; j++) { const b = codec.vdiff[j] / 255; t[j] = codec.vmin[j] + 0.5 * b; t[d + j] = b; }
    }
  }

  static create(codec: Codec, codes: Uint8Array, n: number): CodedScan | null {
    if (codec.name !== 'f16' && codec.name !== 'sq8') return null;
    const loaded = loadEmbedded('codec_scan', scanWasm);
    if (!loaded) return null;
    const ex = new WebAssembly.Instance(loaded.module, defaultImports()).exports as unknown as ScanExports;
    return new CodedScan(ex, codec, codes, n);
  }

  memoryUsage(): number { return this.ex.memory.buffer.byteLength; }

  /**
   * The stored codes, a view into the module's memory: the owner keeps this view instead of its
   * own copy (the memory never grows after construction, so the view stays attached).
   */
  codes(): Uint8Array { return new Uint8Array(this.ex.memory.buffer, this.base, this.n * this.codec.bytesPerVector); }

  /**
   * Feeds every allowed row's score, mapped by `map(score, query, row)`, into heaps[query].
   * `map` turns a dot product into the metric's reduced value (identity for squared L2).
   */
  scan(Q: Float32Array, nq: number, kind: ScanKind, mask: Uint8Array | null, heaps: TopK[],
    map: ((s: number, i: number, j: number) => number) | null): void {
    const d = this.codec.dim, ex = this.ex, sq8 = this.codec.name === 'sq8';
    for (let i0 = 0; i0 < nq; i0 += QUERY_BATCH) {
      const qb = Math.min(QUERY_BATCH, nq - i0);
      const qOff = this.scratch, sOff = qOff + QUERY_BATCH * d * 4;
      new Float32Array(ex.memory.buffer, qOff, qb * d).set(Q.subarray(i0 * d, (i0 + qb) * d));
      const rowsPer = Math.max(16, Math.floor(SCORE_FLOATS / qb));
      for (let j0 = 0; j0 < this.n; j0 += rowsPer) {
        const m = Math.min(rowsPer, this.n - j0);
        const rOff = this.base + j0 * this.codec.bytesPerVector;
        if (sq8) (kind === 'l2' ? ex.sq8L2 : ex.sq8Dot)(rOff, m, qOff, qb, d, this.aff, sOff);
        else (kind === 'l2' ? ex.f16L2 : ex.f16Dot)(rOff, m, qOff, qb, d, sOff);
        const s = new Float32Array(ex.memory.buffer, sOff, qb * m);
        for (let i = 0; i < qb; i++) {
          const h = heaps[i0 + i], o = i * m;
          for (let t = 0; t < m; t++) {
            const j = j0 + t;
            if (mask && mask[j] === 0) continue;
            const r = map ? map(s[o + t], i0 + i, j) : s[o + t];
            if (h.accepts(r, j)) h.push(r, j);
          }
        }
      }
    }
  }
}
