import { toDense, type DenseMatrix } from '../core/matrix.js';
import { isCsr } from '../core/sparse.js';
import { KnnkitError, invalidParam } from '../core/errors.js';
import type { MatrixInput } from '../core/data.js';
import { symmetricEigen } from './eigen.js';
import { checkSerialized, envelope, notFitted, numberArray, type SerializedTransformer, type Transformer } from './types.js';

export interface PCAOptions {
  /**
   * An integer >= 1: keep that many components; a fraction in (0, 1): keep the fewest
   * components whose cumulative explained-variance ratio exceeds it; default: min(n, d).
   */
  nComponents?: number;
  /** Divide the projections by sqrt(explained variance) (unit-variance components). Default false. */
  whiten?: boolean;
}

/**
 * Principal component analysis by eigen-decomposition of the sample covariance
 * C = Xc^T Xc / (n - 1) (or, when n < d, of the n x n Gram matrix Xc Xc^T / (n - 1), mapped back
 * through Xc^T), in float64. Signs follow scikit-learn's svd_flip(u_based_decision=False): the
 * largest-magnitude entry of every component is positive, so results are deterministic and
 * comparable with scikit-learn's components_ entry by entry.
 */
export class PCA implements Transformer {
  readonly nComponentsOption: number | undefined;
  readonly whiten: boolean;
  mean: Float64Array | undefined;
  /** nComponents x d row-major, unit rows. */
  components: Float64Array | undefined;
  explainedVariance: Float64Array | undefined;
  explainedVarianceRatio: Float64Array | undefined;
  singularValues: Float64Array | undefined;
  nComponents = 0;
  nFeatures = 0;
  nSamples = 0;

  constructor(opts: PCAOptions = {}) {
    if (opts == null || typeof opts !== 'object') throw invalidParam('options', opts, 'an object {nComponents, whiten}');
    const k = opts.nComponents;
    if (k !== undefined && (typeof k !== 'number' || !Number.isFinite(k) || k <= 0 || (k >= 1 && !Number.isInteger(k)))) {
      throw invalidParam('nComponents', k, 'an integer >= 1 or a fraction of explained variance in (0, 1)');
    }
    this.nComponentsOption = k;
    this.whiten = opts.whiten ?? false;
    if (typeof this.whiten !== 'boolean') throw invalidParam('whiten', opts.whiten, 'true or false');
  }

  fit(X: MatrixInput): this {
    if (isCsr(X)) throw new KnnkitError('X', 'X: PCA takes dense data (centering would make sparse data dense)');
    const M = toDense(X);
    const n = M.rows, d = M.cols;
    if (n < 2) throw new KnnkitError('X', `X: PCA needs at least 2 samples; got ${n}`);
    const maxK = Math.min(n, d);
    const opt = this.nComponentsOption;
    if (opt !== undefined && opt >= 1 && opt > maxK) {
      throw invalidParam('nComponents', opt, `an integer in [1, min(n_samples, n_features)] = [1, ${maxK}]`);
    }
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += M.data[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    const Xc = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xc[i * d + j] = M.data[i * d + j] - mean[j];

    let values: Float64Array, vectors: Float64Array; // vectors: maxK rows of length d
    if (d <= n) {
      const C = new Float64Array(d * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let a = 0; a < d; a++) {
          const xa = Xc[o + a];
          if (xa === 0) continue;
          const ca = a * d;
          for (let b = a; b < d; b++) C[ca + b] += xa * Xc[o + b];
        }
      }
      for (let a = 0; a < d; a++) for (let b = a; b < d; b++) { C[a * d + b] /= n - 1; C[b * d + a] = C[a * d + b]; }
      ({ values, vectors } = symmetricEigen(C, d));
    } else {
      // Gram route: G = Xc Xc^T / (n-1) has the same non-zero eigenvalues; v = Xc^T u / ||Xc^T u||
      const G = new Float64Array(n * n);
      for (let a = 0; a < n; a++) for (let b = a; b < n; b++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += Xc[a * d + j] * Xc[b * d + j];
        G[a * n + b] = G[b * n + a] = s / (n - 1);
      }
      const eg = symmetricEigen(G, n);
      values = eg.values.slice(0, maxK);
      vectors = new Float64Array(maxK * d);
      for (let r = 0; r < maxK; r++) {
        const v = vectors.subarray(r * d, (r + 1) * d);
        for (let i = 0; i < n; i++) { const u = eg.vectors[r * n + i]; if (u !== 0) for (let j = 0; j < d; j++) v[j] += u * Xc[i * d + j]; }
        let norm = 0;
        for (let j = 0; j < d; j++) norm += v[j] * v[j];
        norm = Math.sqrt(norm);
        if (norm > 0) for (let j = 0; j < d; j++) v[j] /= norm;
      }
    }
    let total = 0;
    for (let r = 0; r < values.length; r++) { if (values[r] < 0) values[r] = 0; total += values[r]; }
    // svd_flip(u_based_decision=False): largest |entry| of each component positive
    for (let r = 0; r < maxK; r++) {
      const v = vectors.subarray(r * d, (r + 1) * d);
      let arg = 0;
      for (let j = 1; j < d; j++) if (Math.abs(v[j]) > Math.abs(v[arg])) arg = j;
      if (v[arg] < 0) for (let j = 0; j < d; j++) v[j] = -v[j];
    }
    const ratio = new Float64Array(maxK);
    for (let r = 0; r < maxK; r++) ratio[r] = total > 0 ? values[r] / total : 0;
    let k = maxK;
    if (opt !== undefined && opt >= 1) k = opt;
    else if (opt !== undefined) {
      // searchsorted(cumsum, opt, side='right') + 1
      let cum = 0; k = 0;
      while (k < maxK && cum + ratio[k] <= opt) { cum += ratio[k]; k++; }
      k = Math.min(k + 1, maxK);
    }
    this.mean = mean;
    this.components = vectors.slice(0, k * d);
    this.explainedVariance = values.slice(0, k);
    this.explainedVarianceRatio = ratio.slice(0, k);
    this.singularValues = this.explainedVariance.map((v) => Math.sqrt(v * (n - 1)));
    this.nComponents = k; this.nFeatures = d; this.nSamples = n;
    return this;
  }

  /** Projections (x - mean) . component_r, whitened on request. */
  transform(X: MatrixInput): DenseMatrix {
    if (!this.mean || !this.components || !this.explainedVariance) throw notFitted('PCA', 'transform');
    if (isCsr(X)) throw new KnnkitError('X', 'X: PCA takes dense data');
    const M = toDense(X, { cols: this.nFeatures });
    const d = this.nFeatures, k = this.nComponents;
    const out = new Float32Array(M.rows * k);
    const row = new Float64Array(d);
    for (let i = 0; i < M.rows; i++) {
      for (let j = 0; j < d; j++) row[j] = M.data[i * d + j] - this.mean[j];
      for (let r = 0; r < k; r++) {
        let s = 0;
        const o = r * d;
        for (let j = 0; j < d; j++) s += row[j] * this.components[o + j];
        if (this.whiten) s /= Math.sqrt(this.explainedVariance[r]) || 1;
        out[i * k + r] = s;
      }
    }
    return { kind: 'dense', data: out, rows: M.rows, cols: k };
  }

  fitTransform(X: MatrixInput): DenseMatrix { return this.fit(X).transform(X); }

  /** Back to the input space: x = z . components + mean. */
  inverseTransform(Z: MatrixInput): DenseMatrix {
    if (!this.mean || !this.components || !this.explainedVariance) throw notFitted('PCA', 'inverseTransform');
    const M = toDense(Z, { cols: this.nComponents, name: 'Z' });
    const d = this.nFeatures, k = this.nComponents;
    const out = new Float32Array(M.rows * d);
    for (let i = 0; i < M.rows; i++) for (let j = 0; j < d; j++) {
      let s = this.mean[j];
      for (let r = 0; r < k; r++) s += M.data[i * k + r] * (this.whiten ? Math.sqrt(this.explainedVariance[r]) : 1) * this.components[r * d + j];
      out[i * d + j] = s;
    }
    return { kind: 'dense', data: out, rows: M.rows, cols: d };
  }

  toJSON(): SerializedTransformer {
    if (!this.mean || !this.components || !this.explainedVariance || !this.explainedVarianceRatio) throw notFitted('PCA', 'toJSON');
    return {
      ...envelope('PCA'), nComponentsOption: this.nComponentsOption ?? null, whiten: this.whiten,
      nComponents: this.nComponents, nFeatures: this.nFeatures, nSamples: this.nSamples,
      mean: Array.from(this.mean), components: Array.from(this.components),
      explainedVariance: Array.from(this.explainedVariance), explainedVarianceRatio: Array.from(this.explainedVarianceRatio),
    };
  }

  static fromJSON(json: unknown): PCA {
    const j = checkSerialized(json, 'PCA');
    const p = new PCA({ nComponents: (j.nComponentsOption ?? undefined) as number | undefined, whiten: j.whiten as boolean });
    const k = Number(j.nComponents), d = Number(j.nFeatures);
    if (!Number.isInteger(k) || k < 1 || !Number.isInteger(d) || d < 1) throw new KnnkitError('json', 'json: PCA.nComponents and nFeatures must be positive integers');
    p.nComponents = k; p.nFeatures = d; p.nSamples = Number(j.nSamples) || 0;
    p.mean = numberArray(j, 'mean', d);
    p.components = numberArray(j, 'components', k * d);
    p.explainedVariance = numberArray(j, 'explainedVariance', k);
    p.explainedVarianceRatio = numberArray(j, 'explainedVarianceRatio', k);
    p.singularValues = p.explainedVariance.map((v) => Math.sqrt(v * Math.max(1, p.nSamples - 1)));
    return p;
  }
}
