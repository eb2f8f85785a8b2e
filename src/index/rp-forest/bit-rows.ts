import { KnnkitError } from '../../core/errors.js';
import type { DenseMatrix } from '../../core/matrix.js';
import type { Envelope, Section } from '../envelope.js';
import { checkBinary, packRow, popcount32, unpackRow, wordsFor } from '../../search/hnsw/bits.js';

/**
 * The forest's rows under codec "bits": 0/1 vectors packed 32 coordinates a word (coordinate j
 * = bit j & 31 of word j >> 5, rows padded to whole u64 words, the layout of HNSW's bits storage),
 * so the Hamming distance of two rows is the popcount of their XOR. One flat Int32Array, saved
 * as the section "rows.bits" and searched in place after a view load.
 */
export class BitRows {
  readonly words: number;
  rows = 0;
  data: Int32Array;

  constructor(readonly dim: number, data?: Int32Array, rows = 0) {
    this.words = wordsFor(dim);
    this.data = data ?? new Int32Array(0);
    this.rows = rows;
  }

  /** Packs rows of 0/1 values (a KnnkitError naming `param`, the row and the column otherwise). */
  static pack(m: DenseMatrix, param: string): Int32Array {
    checkBinary(param, m.data, m.rows, m.cols);
    const W = wordsFor(m.cols), out = new Int32Array(m.rows * W);
    for (let i = 0; i < m.rows; i++) packRow(m.data, i * m.cols, m.cols, out, i * W, W);
    return out;
  }

  append(m: DenseMatrix): void {
    const packed = BitRows.pack(m, 'vectors'), W = this.words;
    const next = new Int32Array((this.rows + m.rows) * W);
    next.set(this.data.subarray(0, this.rows * W));
    next.set(packed, this.rows * W);
    this.data = next;
    this.rows += m.rows;
  }

  /** Bit j of row i (the coordinate Annoy's Hamming split tests). */
  bit(i: number, j: number): number { return (this.data[i * this.words + (j >> 5)] >>> (j & 31)) & 1; }

  /** popcount(row i XOR query words q[qOff ..]): the number of differing coordinates. */
  differ(i: number, q: Int32Array, qOff: number): number {
    const W = this.words, o = i * W, D = this.data;
    let s = 0;
    for (let w = 0; w < W; w++) s += popcount32(D[o + w] ^ q[qOff + w]);
    return s;
  }

  row(i: number): Float32Array { return unpackRow(this.data, i * this.words, this.dim); }

  bytes(): number { return this.data.byteLength; }

  sections(): Section[] { return [{ name: 'rows.bits', data: this.data.subarray(0, this.rows * this.words), type: 'i32' }]; }

  static load(env: Envelope, dim: number, rows: number, view: boolean): BitRows {
    const data = env.typed('rows.bits', Int32Array, !view);
    if (data.length !== rows * wordsFor(dim)) throw new KnnkitError('index', `index: rows.bits holds ${data.length} words, expected ${rows} rows x ${wordsFor(dim)}`);
    return new BitRows(dim, data, rows);
  }
}
