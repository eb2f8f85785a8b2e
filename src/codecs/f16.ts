import { KnnkitError } from '../core/errors.js';
import type { Codec } from './types.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 of a float32, rounded to nearest even; out-of-range values refused by the caller. */
export function toHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow: infinity (refused before encoding)
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1), half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++; // may carry into the exponent: still correct
  return sign | h;
}

/** float32 value of a binary16. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Largest finite binary16. */
export const HALF_MAX = 65504;

/** Half-precision storage: 2 d bytes; relative error <= 2^-11 per coordinate. */
export class F16Codec implements Codec {
  readonly name = 'f16' as const;
  readonly lossless = false;
  readonly isTrained = true;
  readonly bytesPerVector: number;
  constructor(readonly dim: number) { this.bytesPerVector = 2 * dim; }
  train(): void { /* nothing to learn */ }
  encode(src: Float32Array, rows: number, out: Uint8Array, outOff: number, param = 'vectors'): void {
    const n = rows * this.dim;
    const dst = new DataView(out.buffer, out.byteOffset + outOff, n * 2);
    for (let t = 0; t < n; t++) {
      const v = src[t];
      if (v > HALF_MAX || v < -HALF_MAX) {
        throw new KnnkitError(param, `${param}[${Math.floor(t / this.dim)}][${t % this.dim}]: got ${v}; the "f16" codec holds values in [-65504, 65504] (use "f32" or "sq8")`);
      }
      dst.setUint16(2 * t, toHalf(v), true);
    }
  }
  decode(codes: Uint8Array, row: number, out: Float32Array): void {
    const dv = new DataView(codes.buffer, codes.byteOffset + row * this.bytesPerVector, this.bytesPerVector);
    for (let j = 0; j < this.dim; j++) out[j] = fromHalf(dv.getUint16(2 * j, true));
  }
  persist() { return { state: {}, sections: [] }; }
}
