import type { Codec } from './types.js';
import { checkBinary } from '../search/hnsw/bits.js';

/** u64 words per bit-packed row (rows are padded to whole u64 words for the popcount kernel). */
export function u64Words(dim: number): number { return Math.ceil(dim / 64); }

/**
 * Bit-packed 0/1 vectors: coordinate j is bit (j & 7) of byte j >> 3, rows padded to whole
 * u64 words, dim / 8 bytes. For 0/1 vectors popcount(a XOR b) is the squared Euclidean distance,
 * so search over the codes is exact (the `bits` storage of HNSW, FAISS's binary indexes).
 */
export class BitsCodec implements Codec {
  readonly name = 'bits' as const;
  readonly lossless = true;
  readonly isTrained = true;
  readonly bytesPerVector: number;
  constructor(readonly dim: number) { this.bytesPerVector = 8 * u64Words(dim); }
  train(): void { /* nothing to learn */ }
  encode(src: Float32Array, rows: number, out: Uint8Array, outOff: number, param = 'vectors'): void {
    checkBinary(param, src, rows, this.dim);
    const d = this.dim, B = this.bytesPerVector;
    for (let i = 0; i < rows; i++) {
      const o = outOff + i * B;
      out.fill(0, o, o + B);
      for (let j = 0; j < d; j++) if (src[i * d + j] !== 0) out[o + (j >> 3)] |= 1 << (j & 7);
    }
  }
  decode(codes: Uint8Array, row: number, out: Float32Array): void {
    const o = row * this.bytesPerVector;
    for (let j = 0; j < this.dim; j++) out[j] = (codes[o + (j >> 3)] >> (j & 7)) & 1;
  }
  persist() { return { state: {}, sections: [] }; }
}
