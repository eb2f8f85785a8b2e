import { KnnkitError } from '../../core/errors.js';

/**
 * Bit-packed storage of 0/1 vectors (HnswOptions.storage = 'bits', like FAISS's IndexBinaryHNSW
 * or usearch's b1 vectors). For vectors whose coordinates are all 0 or 1 the squared Euclidean
 * distance is the number of differing coordinates, popcount(a XOR b): the packed index ranks
 * exactly as the float32 one would, from 32x less memory and a few integer instructions per
 * distance (a 320-dim Binalpha row is 40 bytes instead of 1280).
 * Coordinate j of a row is bit (j & 31) of 32-bit word j >> 5; rows are padded with zero bits
 * to an even number of words (the WebAssembly kernel reads them as u64).
 */
export function wordsFor(dim: number): number {
  return 2 * Math.ceil(dim / 64);
}

/** Number of set bits of a 32-bit integer (SWAR). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Index of the first coordinate that is neither 0 nor 1 in rows [0, rows) of `data` (row-major), or -1. */
export function firstNonBinary(data: ArrayLike<number>, rows: number, dim: number): number {
  const n = rows * dim;
  if (data instanceof Float32Array) {
    // on the float bit patterns: 1.0f = 0x3f800000, +-0 has no bit but the sign
    const u = new Uint32Array(data.buffer, data.byteOffset, n);
    for (let t = 0; t < n; t++) { const x = u[t]; if ((x & 0x7fffffff) !== 0 && x !== 0x3f800000) return t; }
    return -1;
  }
  for (let t = 0; t < n; t++) { const v = data[t]; if (v !== 0 && v !== 1) return t; }
  return -1;
}

/** Throws a KnnkitError naming the parameter, the row, the column and the value when a coordinate is not 0 or 1. */
export function checkBinary(name: string, data: ArrayLike<number>, rows: number, dim: number): void {
  const t = firstNonBinary(data, rows, dim);
  if (t < 0) return;
  const r = Math.floor(t / dim), c = t - r * dim;
  throw new KnnkitError(name, `${name}[${r}][${c}]: got ${data[t]}; an index with storage "bits" holds 0/1 vectors only (expected 0 or 1; use storage "f32" for other values)`);
}

/** Packs row `src[off .. off + dim)` (0/1 values) into `words` 32-bit words of `dst` at `dstOff`. */
export function packRow(src: ArrayLike<number>, off: number, dim: number, dst: Int32Array, dstOff: number, words: number): void {
  for (let w = 0; w < words; w++) {
    let v = 0;
    const base = w << 5, end = Math.min(32, dim - base);
    for (let b = 0; b < end; b++) if (src[off + base + b] !== 0) v |= 1 << b;
    dst[dstOff + w] = v;
  }
}

/** Unpacks `dim` coordinates from the words at `src[srcOff ..]` into a new Float32Array of 0/1. */
export function unpackRow(src: Int32Array, srcOff: number, dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (let j = 0; j < dim; j++) out[j] = (src[srcOff + (j >> 5)] >>> (j & 31)) & 1;
  return out;
}
