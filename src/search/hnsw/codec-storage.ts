import { KnnkitError } from '../../core/errors.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { F16Codec, HALF_MAX } from '../../codecs/f16.js';
import { Sq8Codec } from '../../codecs/sq8.js';
import { wordsFor } from './bits.js';
import { KIND_F16_COS, KIND_F16_DOT, KIND_F16_L2, KIND_SQ8_COS, KIND_SQ8_DOT, KIND_SQ8_L2 } from './kernel.js';

/**
 * Lossy codec storage of HNSW vectors (HnswOptions.storage 'f16' / 'sq8', as FAISS's
 * IndexHNSWSQ): each vector is kept as a code row in the index memory, 2 d bytes (f16) or d
 * bytes (sq8, the per-dimension ranges trained on the data) padded to 4, and the graph kernels
 * score the float32 query against the codes decoded in SIMD registers (asymmetric distance),
 * links against decoded codes on both sides. The codecs themselves are src/codecs'.
 */
export type HnswStorage = 'f32' | 'bits' | 'f16' | 'sq8';
export const HNSW_STORAGES: readonly HnswStorage[] = ['f32', 'bits', 'f16', 'sq8'];

export type StorageCodec = F16Codec | Sq8Codec;

/** The sq8 ranges as saved in the index header (JSON numbers are exact for float32 values). */
export interface Sq8State { vmin: number[]; vdiff: number[] }

/**
 * 32-bit words per stored vector. Cosine code rows carry one more word, the float32
 * 1 / |decoded row| (codecKind's cosine kinds divide by it).
 */
export function storageWords(storage: HnswStorage, dim: number, cosine = false): number {
  if (storage === 'bits') return wordsFor(dim);
  const extra = cosine ? 1 : 0;
  if (storage === 'f16') return Math.ceil(dim / 2) + extra;
  if (storage === 'sq8') return Math.ceil(dim / 4) + extra;
  return dim;
}

/** The codec of a codec storage (null for 'f32' and 'bits'); sq8 from saved ranges when given. */
export function storageCodec(storage: HnswStorage, dim: number, sq8?: { vmin: Float32Array; vdiff: Float32Array }): StorageCodec | null {
  if (storage === 'f16') return new F16Codec(dim);
  if (storage === 'sq8') return sq8 ? new Sq8Codec(dim, Float32Array.from(sq8.vmin), Float32Array.from(sq8.vdiff)) : new Sq8Codec(dim);
  return null;
}

/** The graph kernels' distance kind for a codec storage and a metric's dot form (l2, ip, cosine). */
export function codecKind(codec: StorageCodec, form: string): number {
  if (codec.name === 'f16') return form === 'l2' ? KIND_F16_L2 : form === 'cosine' ? KIND_F16_COS : KIND_F16_DOT;
  return form === 'l2' ? KIND_SQ8_L2 : form === 'cosine' ? KIND_SQ8_COS : KIND_SQ8_DOT;
}

/**
 * Writes the sq8 affine decode table [a | b] (x_j = a_j + b_j c_j, a_j = vmin_j + b_j / 2,
 * b_j = vdiff_j / 255: Sq8Codec.decode's cell centre) at f32 element offset `at`.
 */
export function writeAffTable(codec: StorageCodec | null, f32: Float32Array, at: number): void {
  if (!(codec instanceof Sq8Codec) || !codec.isTrained) return;
  const d = codec.dim;
  for (let j = 0; j < d; j++) { const b = codec.vdiff[j] / 255; f32[at + j] = codec.vmin[j] + 0.5 * b; f32[at + d + j] = b; }
}

/** Refuses (naming row, column and value) a coordinate f16 cannot hold, before anything is inserted. */
export function checkF16Range(X: DenseMatrix, param = 'vectors'): void {
  const a = X.data, n = X.rows * X.cols;
  for (let t = 0; t < n; t++) {
    const v = a[t];
    if (v > HALF_MAX || v < -HALF_MAX) {
      const r = Math.floor(t / X.cols);
      throw new KnnkitError(param, `${param}[${r}][${t - r * X.cols}]: got ${v}; an index with storage "f16" holds values in [-65504, 65504] (use "f32" or "sq8")`);
    }
  }
}

/** Unit-normalised copy of the rows (cosine indexes store and train on unit vectors). */
export function unitRows(X: DenseMatrix): DenseMatrix {
  const d = X.cols, out = new Float32Array(X.rows * d);
  for (let i = 0; i < X.rows; i++) {
    let ss = 0;
    for (let j = 0; j < d; j++) ss += X.data[i * d + j] * X.data[i * d + j];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < d; j++) out[i * d + j] = X.data[i * d + j] * inv;
  }
  return { kind: 'dense', data: out, rows: X.rows, cols: d };
}

/** The sq8 ranges for the header (undefined for other storages). */
export function sq8State(codec: StorageCodec | null): Sq8State | undefined {
  if (!(codec instanceof Sq8Codec) || !codec.isTrained) return undefined;
  return { vmin: Array.from(codec.vmin), vdiff: Array.from(codec.vdiff) };
}

/** The sq8 ranges of a header, checked (dim finite numbers, widths > 0), or a KnnkitError naming the file. */
export function readSq8State(s: unknown, dim: number, source: string): { vmin: Float32Array; vdiff: Float32Array } {
  const st = s as Sq8State | undefined;
  const ok = (a: unknown, pos: boolean) => Array.isArray(a) && a.length === dim && a.every((v) => typeof v === 'number' && Number.isFinite(v) && (!pos || v > 0));
  if (!st || typeof st !== 'object' || !ok(st.vmin, false) || !ok(st.vdiff, true)) {
    throw new KnnkitError('path', `${source}: unreadable header (storage "sq8" needs ${dim} trained ranges, vmin and vdiff > 0)`);
  }
  return { vmin: Float32Array.from(st.vmin), vdiff: Float32Array.from(st.vdiff) };
}
