import { KnnkitError } from '../core/errors.js';
import type { DenseMatrix } from '../core/matrix.js';
import type { Section } from '../index/envelope.js';
import type { Codec } from './types.js';

/**
 * 8-bit scalar quantisation (FAISS's QT_8bit, "SQ8"): per dimension j a range [vmin_j,
 * vmin_j + vdiff_j] learnt from the training sample, code c = floor((x - vmin) / vdiff * 255)
 * clamped to [0, 255], reconstruction vmin + (c + 0.5) / 255 * vdiff (the cell's centre, as
 * FAISS decodes). d bytes per vector; per-coordinate error <= vdiff / 510 inside the range.
 */
export class Sq8Codec implements Codec {
  readonly name = 'sq8' as const;
  readonly lossless = false;
  readonly bytesPerVector: number;
  vmin: Float32Array;
  vdiff: Float32Array;
  private trained = false;

  constructor(readonly dim: number, vmin?: Float32Array, vdiff?: Float32Array) {
    this.bytesPerVector = dim;
    this.vmin = vmin ?? new Float32Array(dim);
    this.vdiff = vdiff ?? new Float32Array(dim);
    this.trained = vmin !== undefined;
  }

  get isTrained(): boolean { return this.trained; }

  train(X: DenseMatrix): void {
    const d = this.dim;
    const lo = new Float32Array(d).fill(Infinity), hi = new Float32Array(d).fill(-Infinity);
    for (let i = 0; i < X.rows; i++) {
      for (let j = 0; j < d; j++) { const v = X.data[i * d + j]; if (v < lo[j]) lo[j] = v; if (v > hi[j]) hi[j] = v; }
    }
    for (let j = 0; j < d; j++) {
      this.vmin[j] = lo[j];
      // a constant dimension still needs a non-zero cell width
      this.vdiff[j] = hi[j] > lo[j] ? hi[j] - lo[j] : 1;
    }
    this.trained = true;
  }

  encode(src: Float32Array, rows: number, out: Uint8Array, outOff: number): void {
    if (!this.trained) throw new KnnkitError('train', 'train: the "sq8" codec learns its ranges from data; call train(sample) first');
    const d = this.dim;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < d; j++) {
        const c = Math.floor(((src[i * d + j] - this.vmin[j]) / this.vdiff[j]) * 255);
        out[outOff + i * d + j] = c < 0 ? 0 : c > 255 ? 255 : c;
      }
    }
  }

  decode(codes: Uint8Array, row: number, out: Float32Array): void {
    const d = this.dim, o = row * d;
    for (let j = 0; j < d; j++) out[j] = this.vmin[j] + ((codes[o + j] + 0.5) / 255) * this.vdiff[j];
  }

  persist(): { state: Record<string, unknown>; sections: Section[] } {
    return { state: {}, sections: [{ name: 'sq8.vmin', data: this.vmin, type: 'f32' }, { name: 'sq8.vdiff', data: this.vdiff, type: 'f32' }] };
  }
}
