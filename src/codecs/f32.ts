import type { Codec } from './types.js';

/** Plain float32 storage: 4 d bytes, lossless. */
export class F32Codec implements Codec {
  readonly name = 'f32' as const;
  readonly lossless = true;
  readonly isTrained = true;
  readonly bytesPerVector: number;
  constructor(readonly dim: number) { this.bytesPerVector = 4 * dim; }
  train(): void { /* nothing to learn */ }
  encode(src: Float32Array, rows: number, out: Uint8Array, outOff: number): void {
    out.set(new Uint8Array(src.buffer, src.byteOffset, rows * this.dim * 4), outOff);
  }
  decode(codes: Uint8Array, row: number, out: Float32Array): void {
    const b = row * this.bytesPerVector;
    out.set(new Float32Array(codes.buffer.slice(codes.byteOffset + b, codes.byteOffset + b + this.bytesPerVector)));
  }
  persist() { return { state: {}, sections: [] }; }
}
