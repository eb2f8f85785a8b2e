import { toMatrix, type Matrix, type MatrixInput } from '../core/data.js';
import { checkOneOf, invalidParam } from '../core/errors.js';
import { checkSerialized, envelope, type SerializedTransformer, type Transformer } from './types.js';

export type Norm = 'l2' | 'l1' | 'max';
export const NORMS: readonly Norm[] = ['l2', 'l1', 'max'];

/**
 * Scales every row to unit norm (scikit-learn's Normalizer): l2, l1, or max = largest absolute
 * value. Rows of norm 0 stay 0. Stateless (fit only records the dimension); keeps CSR sparse.
 * L2-normalised rows make Euclidean neighbours rank like cosine ones (text data).
 */
export class Normalizer implements Transformer {
  readonly norm: Norm;
  nFeatures = -1;

  constructor(opts: { norm?: Norm } = {}) {
    if (opts == null || typeof opts !== 'object') throw invalidParam('options', opts, 'an object {norm}');
    this.norm = checkOneOf('norm', opts.norm ?? 'l2', NORMS);
  }

  fit(X: MatrixInput): this {
    this.nFeatures = toMatrix(X).cols;
    return this;
  }

  transform(X: MatrixInput): Matrix {
    const M = toMatrix(X, this.nFeatures >= 0 ? { cols: this.nFeatures } : {});
    if (M.kind === 'csr') {
      const values = new Float32Array(M.values.length);
      for (let i = 0; i < M.rows; i++) {
        const s = M.indptr[i], e = M.indptr[i + 1];
        const f = inverseNorm(M.values, s, e, 1, this.norm);
        for (let p = s; p < e; p++) values[p] = M.values[p] * f;
      }
      return { ...M, values };
    }
    const d = M.cols, out = new Float32Array(M.data.length);
    for (let i = 0; i < M.rows; i++) {
      const f = inverseNorm(M.data, i * d, (i + 1) * d, 1, this.norm);
      for (let j = i * d; j < (i + 1) * d; j++) out[j] = M.data[j] * f;
    }
    return { kind: 'dense', data: out, rows: M.rows, cols: d };
  }

  fitTransform(X: MatrixInput): Matrix { return this.fit(X).transform(X); }

  toJSON(): SerializedTransformer {
    return { ...envelope('Normalizer'), norm: this.norm, nFeatures: this.nFeatures };
  }

  static fromJSON(json: unknown): Normalizer {
    const j = checkSerialized(json, 'Normalizer');
    const n = new Normalizer({ norm: j.norm as Norm });
    n.nFeatures = typeof j.nFeatures === 'number' ? j.nFeatures : -1;
    return n;
  }
}

/** 1 / norm of a[s..e) (1 for a zero row), accumulated in float64. */
function inverseNorm(a: Float32Array, s: number, e: number, _stride: number, norm: Norm): number {
  let v = 0;
  if (norm === 'l2') { for (let p = s; p < e; p++) v += a[p] * a[p]; v = Math.sqrt(v); }
  else if (norm === 'l1') { for (let p = s; p < e; p++) v += Math.abs(a[p]); }
  else { for (let p = s; p < e; p++) v = Math.max(v, Math.abs(a[p])); }
  return v === 0 ? 1 : 1 / v;
}
