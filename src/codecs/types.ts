import type { DenseMatrix } from '../core/matrix.js';
import type { Section } from '../index/envelope.js';

/**
 * How vectors are stored (hnswlib's "space" storage, FAISS's scalar quantiser): a codec turns
 * float32 rows into fixed-size codes and back. Families store codes and never branch on the
 * codec's name beyond asking for the kernel that scans it.
 */
export interface Codec {
  readonly name: CodecName;
  readonly dim: number;
  /** Bytes of one encoded vector. */
  readonly bytesPerVector: number;
  /** decode(encode(x)) == x for every vector the codec accepts (f32; bits on 0/1 data). */
  readonly lossless: boolean;
  /** Codecs that learn ranges (sq8) need train() before encode(). */
  readonly isTrained: boolean;
  train(X: DenseMatrix): void;
  /** Encodes `rows` rows of `src` into `out` at byte offset `outOff`; refuses values it cannot hold. */
  encode(src: Float32Array, rows: number, out: Uint8Array, outOff: number, param?: string): void;
  /** Decodes row `row` of `codes` into `out` (dim values). */
  decode(codes: Uint8Array, row: number, out: Float32Array): void;
  /** JSON state and binary sections (trained ranges). */
  persist(): { state: Record<string, unknown>; sections: Section[] };
}

export type CodecName = 'f32' | 'f16' | 'sq8' | 'bits';
export const CODEC_NAMES: readonly CodecName[] = ['f32', 'f16', 'sq8', 'bits'];
