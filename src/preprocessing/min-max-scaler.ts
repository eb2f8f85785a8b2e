import { toDense, type DenseMatrix } from '../core/matrix.js';
import { isCsr } from '../core/sparse.js';
import { KnnkitError, invalidParam } from '../core/errors.js';
import type { MatrixInput } from '../core/data.js';
import { columnMinMax } from './stats.js';
import { checkSerialized, envelope, notFitted, numberArray, type SerializedTransformer, type Transformer } from './types.js';

export interface MinMaxScalerOptions {
  /** Target range [a, b] with a < b (default [0, 1]). */
  featureRange?: readonly [number, number];
  /** Clip transformed values of new data into the range (default false). */
  clip?: boolean;
}

const EPS = 2 ** -52;

/**
 * x' = (x - min) / (max - min) * (b - a) + a per column, as scikit-learn's MinMaxScaler
 * (scale_ and min_ such that x' = x * scale + min; columns with a range below 10 eps get
 * range 1). Dense only: shifting breaks sparsity.
 */
export class MinMaxScaler implements Transformer {
  readonly featureRange: readonly [number, number];
  readonly clip: boolean;
  dataMin: Float64Array | undefined;
  dataMax: Float64Array | undefined;
  scale: Float64Array | undefined;
  min: Float64Array | undefined;

  constructor(opts: MinMaxScalerOptions = {}) {
    if (opts == null || typeof opts !== 'object') throw invalidParam('options', opts, 'an object {featureRange, clip}');
    const r = opts.featureRange ?? [0, 1];
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1])) {
      throw invalidParam('featureRange', r, 'two finite numbers [min, max] with min < max');
    }
    this.featureRange = [r[0], r[1]];
    this.clip = opts.clip ?? false;
    if (typeof this.clip !== 'boolean') throw invalidParam('clip', opts.clip, 'true or false');
  }

  private dense(X: MatrixInput, cols?: number): DenseMatrix {
    if (isCsr(X)) throw new KnnkitError('X', 'X: MinMaxScaler does not take sparse (CSR) data (shifting would make it dense); use StandardScaler({withMean: false}) or Normalizer');
    return toDense(X, { cols });
  }

  fit(X: MatrixInput): this {
    const M = this.dense(X);
    const { min, max } = columnMinMax(M);
    const [a, b] = this.featureRange;
    const d = M.cols;
    this.scale = new Float64Array(d); this.min = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let range = max[j] - min[j];
      if (range < 10 * EPS) range = 1;
      this.scale[j] = (b - a) / range;
      this.min[j] = a - min[j] * this.scale[j];
    }
    this.dataMin = min; this.dataMax = max;
    return this;
  }

  transform(X: MatrixInput): DenseMatrix {
    if (!this.scale || !this.min) throw notFitted('MinMaxScaler', 'transform');
    const M = this.dense(X, this.scale.length);
    const d = M.cols, out = new Float32Array(M.data.length);
    const [a, b] = this.featureRange;
    for (let i = 0; i < M.rows; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) {
        let v = M.data[o + j] * this.scale[j] + this.min[j];
        if (this.clip) v = v < a ? a : v > b ? b : v;
        out[o + j] = v;
      }
    }
    return { kind: 'dense', data: out, rows: M.rows, cols: d };
  }

  fitTransform(X: MatrixInput): DenseMatrix { return this.fit(X).transform(X); }

  inverseTransform(X: MatrixInput): DenseMatrix {
    if (!this.scale || !this.min) throw notFitted('MinMaxScaler', 'inverseTransform');
    const M = this.dense(X, this.scale.length);
    const d = M.cols, out = new Float32Array(M.data.length);
    for (let i = 0; i < M.rows; i++) for (let j = 0; j < d; j++) out[i * d + j] = (M.data[i * d + j] - this.min[j]) / this.scale[j];
    return { kind: 'dense', data: out, rows: M.rows, cols: d };
  }

  toJSON(): SerializedTransformer {
    if (!this.scale || !this.min || !this.dataMin || !this.dataMax) throw notFitted('MinMaxScaler', 'toJSON');
    return { ...envelope('MinMaxScaler'), featureRange: [...this.featureRange], clip: this.clip, dataMin: Array.from(this.dataMin), dataMax: Array.from(this.dataMax), scale: Array.from(this.scale), min: Array.from(this.min) };
  }

  static fromJSON(json: unknown): MinMaxScaler {
    const j = checkSerialized(json, 'MinMaxScaler');
    const s = new MinMaxScaler({ featureRange: j.featureRange as [number, number], clip: j.clip as boolean });
    s.scale = numberArray(j, 'scale');
    const d = s.scale.length;
    s.min = numberArray(j, 'min', d); s.dataMin = numberArray(j, 'dataMin', d); s.dataMax = numberArray(j, 'dataMax', d);
    return s;
  }
}
