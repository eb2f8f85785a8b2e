import type { DenseMatrix } from '../../core/matrix.js';
import { KnnkitError } from '../../core/errors.js';
import { TopK } from '../../core/topk.js';
import type { Envelope, Section } from '../envelope.js';
import type { Allow } from '../types.js';
import type { CandidateScan } from '../shared/candidate-scan.js';
import { project } from './hash-family.js';

/**
 * FAISS IndexLSH (rotate_data = true): code bit i of v is [(R v)_i > t_i] for a random rotation
 * R (nbits rows) and thresholds t (0, or the data's medians with train_thresholds), packed 32
 * bits a word; a search scans every code by Hamming distance (popcount of the XOR) and, unlike
 * IndexLSH, re-ranks the shortlist of the nearest codes with exact distances.
 */
export class HammingCodes {
  readonly words: number;
  n = 0;
  private codes: Uint32Array;

  constructor(private readonly R: Float32Array, readonly nbits: number, readonly dim: number, readonly thresholds: Float32Array, codes?: Uint32Array, n = 0) {
    this.words = Math.ceil(nbits / 32);
    this.codes = codes ?? new Uint32Array(0);
    this.n = n;
  }

  /** Per-bit medians of the projected data (IndexLSH's trained thresholds). */
  static medians(R: Float32Array, nbits: number, dim: number, data: DenseMatrix): Float32Array {
    const z = new Float64Array(nbits), cols: Float64Array[] = Array.from({ length: nbits }, () => new Float64Array(data.rows));
    for (let i = 0; i < data.rows; i++) {
      project(R, nbits, dim, data.data, i * dim, z);
      for (let b = 0; b < nbits; b++) cols[b][i] = z[b];
    }
    return Float32Array.from(cols, (c) => c.sort()[Math.floor(c.length / 2)]);
  }

  encode(v: ArrayLike<number>, off: number, out: Uint32Array, outOff: number, z: Float64Array): void {
    project(this.R, this.nbits, this.dim, v, off, z);
    for (let w = 0; w < this.words; w++) out[outOff + w] = 0;
    for (let b = 0; b < this.nbits; b++) if (z[b] > this.thresholds[b]) out[outOff + (b >> 5)] |= 1 << (b & 31);
  }

  append(data: DenseMatrix): void {
    const W = this.words, need = (this.n + data.rows) * W;
    if (this.codes.length < need) {
      const next = new Uint32Array(Math.max(need, this.codes.length * 2));
      next.set(this.codes.subarray(0, this.n * W));
      this.codes = next;
    }
    const z = new Float64Array(this.nbits);
    for (let i = 0; i < data.rows; i++) this.encode(data.data, i * this.dim, this.codes, (this.n + i) * W, z);
    this.n += data.rows;
  }

  /** The `shortlist` codes nearest in Hamming distance (allowed ones only), offered to the re-ranking scan. */
  scan(Q: Float32Array, qOff: number, shortlist: number, out: CandidateScan, allow: Allow | null): void {
    const W = this.words, qc = new Uint32Array(W), codes = this.codes;
    this.encode(Q, qOff, qc, 0, new Float64Array(this.nbits));
    const top = new TopK(shortlist);
    for (let i = 0; i < this.n; i++) {
      let h = 0;
      const o = i * W;
      for (let w = 0; w < W; w++) h += popcount(codes[o + w] ^ qc[w]);
      if (top.accepts(h, i) && (allow === null || allow.test(i))) top.push(h, i);
    }
    const idx = new Int32Array(shortlist), dist = new Float64Array(shortlist);
    const got = top.drainSorted(idx, dist);
    for (let i = 0; i < got; i++) out.offer(idx[i], Q, qOff);
  }

  bytes(): number { return this.codes.byteLength + this.thresholds.byteLength; }

  sections(): Section[] {
    return [{ name: 'lsh.codes', data: this.codes.subarray(0, this.n * this.words), type: 'u32' }, { name: 'lsh.thresholds', data: this.thresholds, type: 'f32' }];
  }

  static load(env: Envelope, R: Float32Array, nbits: number, dim: number, n: number, view: boolean): HammingCodes {
    if (R.length !== nbits * dim) throw new KnnkitError('index', `index: lsh.proj holds ${R.length} values, expected ${nbits * dim}`);
    const codes = env.typed('lsh.codes', Uint32Array, !view), thr = env.typed('lsh.thresholds', Float32Array, !view);
    if (codes.length !== n * Math.ceil(nbits / 32) || thr.length !== nbits) throw new KnnkitError('index', `index: lsh.codes holds ${codes.length} words for ${n} codes of ${nbits} bits`);
    return new HammingCodes(R, nbits, dim, thr, codes, n);
  }
}

/** Set bits of a 32-bit word (SWAR). */
export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
