import { toMatrix, type Matrix, type MatrixInput } from '../core/data.js';
import { KnnkitError, invalidParam } from '../core/errors.js';
import { columnMeanVar } from './stats.js';
import { checkSerialized, envelope, notFitted, numberArray, type SerializedTransformer, type Transformer } from './types.js';

export interface StandardScalerOptions {
  /** Subtract the column mean (default true; must be false for sparse input, which it would densify). */
  withMean?: boolean;
  /** Divide by the column standard deviation (default true). */
  withStd?: boolean;
}

const EPS = 2 ** -52;

/**
 * z = (x - mean) / std per column, as scikit-learn's StandardScaler: the population standard
 * deviation (ddof = 0), and columns that are constant (variance within the rounding error of
 * the two-pass algorithm, scikit-learn's `_is_constant_feature`) get scale 1.
 */
export class StandardScaler implements Transformer {
  readonly withMean: boolean;
  readonly withStd: boolean;
  mean: Float64Array | undefined;
  variance: Float64Array | undefined;
  scale: Float64Array | undefined;
  nSamplesSeen = 0;

  constructor(opts: StandardScalerOptions = {}) {
    if (opts == null || typeof opts !== 'object') throw invalidParam('options', opts, 'an object {withMean, withStd}');
    this.withMean = opts.withMean ?? true;
    this.withStd = opts.withStd ?? true;
    if (typeof this.withMean !== 'boolean') throw invalidParam('withMean', opts.withMean, 'true or false');
    if (typeof this.withStd !== 'boolean') throw invalidParam('withStd', opts.withStd, 'true or false');
  }

  get nFeatures(): number { return this.mean?.length ?? 0; }

  fit(X: MatrixInput): this {
    const M = toMatrix(X);
    if (M.kind === 'csr' && this.withMean) {
      throw new KnnkitError('withMean', 'withMean: cannot center sparse (CSR) data, it would become dense; use new StandardScaler({withMean: false})');
    }
    const { mean, variance } = columnMeanVar(M);
    const n = M.rows;
    const scale = new Float64Array(mean.length);
    for (let j = 0; j < mean.length; j++) {
      const bound = n * EPS * variance[j] + (n * mean[j] * EPS) ** 2;
      scale[j] = variance[j] <= bound ? 1 : Math.sqrt(variance[j]);
    }
    this.mean = mean; this.variance = variance; this.scale = scale; this.nSamplesSeen = n;
    return this;
  }

  transform(X: MatrixInput): Matrix {
    if (!this.mean || !this.scale) throw notFitted('StandardScaler', 'transform');
    const M = toMatrix(X, { cols: this.mean.length });
    const d = M.cols;
    const shift = this.withMean ? this.mean : new Float64Array(d);
    const inv = new Float64Array(d);
    for (let j = 0; j < d; j++) inv[j] = this.withStd ? 1 / this.scale[j] : 1;
    if (M.kind === 'csr') {
      if (this.withMean) throw new KnnkitError('withMean', 'withMean: cannot center sparse (CSR) data; use new StandardScaler({withMean: false})');
      const values = new Float32Array(M.values.length);
      for (let p = 0; p < values.length; p++) values[p] = M.values[p] * inv[M.indices[p]];
      return { ...M, values };
    }
    const out = new Float32Array(M.data.length);
    for (let i = 0; i < M.rows; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) out[o + j] = (M.data[o + j] - shift[j]) * inv[j];
    }
    return { kind: 'dense', data: out, rows: M.rows, cols: d };
  }

  fitTransform(X: MatrixInput): Matrix { return this.fit(X).transform(X); }

  /** x = z * std + mean (dense). */
  inverseTransform(X: MatrixInput): Matrix {
    if (!this.mean || !this.scale) throw notFitted('StandardScaler', 'inverseTransform');
    const M = toMatrix(X, { cols: this.mean.length });
    if (M.kind === 'csr') throw new KnnkitError('X', 'X: inverseTransform takes dense data');
    const d = M.cols, out = new Float32Array(M.data.length);
    for (let i = 0; i < M.rows; i++) for (let j = 0; j < d; j++) {
      out[i * d + j] = M.data[i * d + j] * (this.withStd ? this.scale[j] : 1) + (this.withMean ? this.mean[j] : 0);
    }
    return { kind: 'dense', data: out, rows: M.rows, cols: d };
  }

  toJSON(): SerializedTransformer {
    if (!this.mean || !this.scale || !this.variance) throw notFitted('StandardScaler', 'toJSON');
    return { ...envelope('StandardScaler'), withMean: this.withMean, withStd: this.withStd, nSamplesSeen: this.nSamplesSeen, mean: Array.from(this.mean), variance: Array.from(this.variance), scale: Array.from(this.scale) };
  }

  static fromJSON(json: unknown): StandardScaler {
    const j = checkSerialized(json, 'StandardScaler');
    const s = new StandardScaler({ withMean: j.withMean as boolean, withStd: j.withStd as boolean });
    s.mean = numberArray(j, 'mean');
    s.variance = numberArray(j, 'variance', s.mean.length);
    s.scale = numberArray(j, 'scale', s.mean.length);
    s.nSamplesSeen = Number(j.nSamplesSeen) || 0;
    return s;
  }
}
