import type { DenseMatrix } from '../../core/matrix.js';
import type { Envelope, Section } from '../envelope.js';

/**
 * The float vectors kept beside the codes for re-ranking (FAISS IndexRefineFlat), one row per
 * label (labels are dense and never reused; a removed label's row stays until a rebuild).
 */
export class RefineStore {
  private data = new Float32Array(0);
  rows = 0;
  constructor(readonly dim: number) {}

  put(labels: Int32Array, X: DenseMatrix): void {
    const d = this.dim;
    let max = this.rows - 1;
    for (const l of labels) if (l > max) max = l;
    if ((max + 1) * d > this.data.length) {
      const next = new Float32Array(Math.max((max + 1) * d, this.data.length * 2));
      next.set(this.data.subarray(0, this.rows * d));
      this.data = next;
    }
    for (let i = 0; i < labels.length; i++) this.data.set(X.data.subarray(i * d, i * d + d), labels[i] * d);
    this.rows = Math.max(this.rows, max + 1);
  }

  /** Exact squared L2 (l2) or 1 - <q, x> between query row qo and a label's row. */
  reduced(q: Float32Array, qo: number, label: number, l2: boolean): number {
    const d = this.dim, o = label * d, x = this.data;
    let s = 0;
    if (l2) for (let t = 0; t < d; t++) { const v = q[qo + t] - x[o + t]; s += v * v; }
    else { for (let t = 0; t < d; t++) s += q[qo + t] * x[o + t]; s = 1 - s; }
    return s;
  }

  /** Rows of the first n labels, one after another into out (the WebAssembly re-ranking's input). */
  gather(labels: Int32Array, n: number, out: Float32Array): void {
    const d = this.dim;
    for (let t = 0; t < n; t++) out.set(this.data.subarray(labels[t] * d, labels[t] * d + d), t * d);
  }

  row(label: number): Float32Array { return this.data.slice(label * this.dim, (label + 1) * this.dim); }
  bytes(): number { return this.data.byteLength; }
  section(): Section { return { name: 'pq.refine', data: this.data.subarray(0, this.rows * this.dim), type: 'f32' }; }

  static load(env: Envelope, dim: number, rows: number, view: boolean): RefineStore {
    const s = new RefineStore(dim);
    s.data = env.typed('pq.refine', Float32Array, !view);
    if (s.data.length !== rows * dim) throw new Error(`pq.refine holds ${s.data.length} values for ${rows} x ${dim}`);
    s.rows = rows;
    return s;
  }
}
