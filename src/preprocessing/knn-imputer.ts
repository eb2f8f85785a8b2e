import { toDense, type DenseMatrix } from '../core/matrix.js';
import { isCsr } from '../core/sparse.js';
import { KnnkitError, checkInteger, checkOneOf, invalidParam } from '../core/errors.js';
import type { MatrixInput } from '../core/data.js';
import { checkSerialized, envelope, notFitted, type SerializedTransformer, type Transformer } from './types.js';

export type ImputerWeights = 'uniform' | 'distance';

export interface KNNImputerOptions {
  /** Neighbours that donate a value (default 5). */
  nNeighbors?: number;
  /** uniform mean, or inverse-distance weighted mean (an exact match takes all the weight). */
  weights?: ImputerWeights;
  /** Keep columns that were entirely missing in fit (filled with 0) instead of dropping them (default false, as scikit-learn). */
  keepEmptyFeatures?: boolean;
}

/**
 * Fills missing values (NaN) from the nearest training rows (scikit-learn's KNNImputer).
 * Distance between rows x and y is the nan-Euclidean distance
 *   d(x, y) = sqrt(D / |P| * sum_{j in P} (x_j - y_j)^2),  P = coordinates present in both,
 * undefined (NaN) when P is empty. For every missing entry (row i, column j), the donors are the
 * training rows that have column j; the k nearest donors with a defined distance give the
 * (weighted) mean of their column-j values; a row with no defined distance to any donor gets
 * the column mean. This is the only transformer that accepts NaN: everywhere else in knnkit
 * NaN is an error.
 */
export class KNNImputer implements Transformer {
  readonly nNeighbors: number;
  readonly weights: ImputerWeights;
  readonly keepEmptyFeatures: boolean;
  private fitX: Float32Array | undefined;
  private nFit = 0;
  nFeatures = 0;
  /** Columns with at least one observed value in fit (the others are dropped unless keepEmptyFeatures). */
  validColumns: Uint8Array | undefined;
  columnMeans: Float64Array | undefined;

  constructor(opts: KNNImputerOptions = {}) {
    if (opts == null || typeof opts !== 'object') throw invalidParam('options', opts, 'an object {nNeighbors, weights, keepEmptyFeatures}');
    this.nNeighbors = checkInteger('nNeighbors', opts.nNeighbors ?? 5, 1);
    this.weights = checkOneOf('weights', opts.weights ?? 'uniform', ['uniform', 'distance'] as const);
    this.keepEmptyFeatures = opts.keepEmptyFeatures ?? false;
    if (typeof this.keepEmptyFeatures !== 'boolean') throw invalidParam('keepEmptyFeatures', opts.keepEmptyFeatures, 'true or false');
  }

  fit(X: MatrixInput): this {
    if (isCsr(X)) throw new KnnkitError('X', 'X: KNNImputer takes dense data with NaN for missing values');
    const M = toDense(X, { allowNaN: true, copy: true });
    const d = M.cols;
    const valid = new Uint8Array(d), means = new Float64Array(d), counts = new Int32Array(d);
    for (let i = 0; i < M.rows; i++) for (let j = 0; j < d; j++) {
      const v = M.data[i * d + j];
      if (!Number.isNaN(v)) { valid[j] = 1; means[j] += v; counts[j]++; }
    }
    for (let j = 0; j < d; j++) means[j] = counts[j] ? means[j] / counts[j] : 0;
    this.fitX = M.data; this.nFit = M.rows; this.nFeatures = d; this.validColumns = valid; this.columnMeans = means;
    return this;
  }

  transform(X: MatrixInput): DenseMatrix {
    if (!this.fitX || !this.validColumns || !this.columnMeans) throw notFitted('KNNImputer', 'transform');
    if (isCsr(X)) throw new KnnkitError('X', 'X: KNNImputer takes dense data with NaN for missing values');
    const M = toDense(X, { allowNaN: true, cols: this.nFeatures });
    const d = this.nFeatures, n = M.rows, F = this.fitX, nf = this.nFit;
    const out = M.data.slice();
    const dist = new Float64Array(nf);
    const donors: number[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let missing = false;
      for (let j = 0; j < d; j++) if (Number.isNaN(M.data[o + j]) && this.validColumns[j]) { missing = true; break; }
      if (!missing) continue;
      // nan-Euclidean distance from row i to every training row
      for (let r = 0; r < nf; r++) {
        let s = 0, present = 0;
        const fo = r * d;
        for (let j = 0; j < d; j++) {
          const a = M.data[o + j], b = F[fo + j];
          if (a === a && b === b) { const t = a - b; s += t * t; present++; }
        }
        dist[r] = present ? Math.sqrt((d / present) * s) : NaN;
      }
      for (let j = 0; j < d; j++) {
        if (!Number.isNaN(M.data[o + j]) || !this.validColumns[j]) continue;
        donors.length = 0;
        for (let r = 0; r < nf; r++) if (!Number.isNaN(F[r * d + j]) && !Number.isNaN(dist[r])) donors.push(r);
        if (donors.length === 0) { out[o + j] = this.columnMeans[j]; continue; }
        // k nearest by (distance, row index)
        donors.sort((a, b) => dist[a] - dist[b] || a - b);
        const k = Math.min(this.nNeighbors, donors.length);
        let exact = false;
        if (this.weights === 'distance') for (let t = 0; t < k; t++) if (dist[donors[t]] === 0) { exact = true; break; }
        let num = 0, den = 0;
        for (let t = 0; t < k; t++) {
          const r = donors[t];
          const w = this.weights === 'uniform' ? 1 : exact ? (dist[r] === 0 ? 1 : 0) : 1 / dist[r];
          num += w * F[r * d + j]; den += w;
        }
        out[o + j] = num / den;
      }
    }
    if (!this.keepEmptyFeatures) {
      let kept = 0;
      for (let j = 0; j < d; j++) kept += this.validColumns[j];
      if (kept < d) {
        if (kept === 0) throw new KnnkitError('X', 'X: every column was entirely missing in fit; nothing to impute from');
        const data = new Float32Array(n * kept);
        for (let i = 0; i < n; i++) { let q = 0; for (let j = 0; j < d; j++) if (this.validColumns[j]) data[i * kept + q++] = out[i * d + j]; }
        return { kind: 'dense', data, rows: n, cols: kept };
      }
    } else {
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) if (!this.validColumns[j]) out[i * d + j] = 0;
    }
    return { kind: 'dense', data: out, rows: n, cols: d };
  }

  fitTransform(X: MatrixInput): DenseMatrix { return this.fit(X).transform(X); }

  toJSON(): SerializedTransformer {
    if (!this.fitX) throw notFitted('KNNImputer', 'toJSON');
    // NaN is not JSON: missing entries are written as null
    return {
      ...envelope('KNNImputer'), nNeighbors: this.nNeighbors, weights: this.weights, keepEmptyFeatures: this.keepEmptyFeatures,
      rows: this.nFit, cols: this.nFeatures, data: Array.from(this.fitX, (v) => (Number.isNaN(v) ? null : v)),
    };
  }

  static fromJSON(json: unknown): KNNImputer {
    const j = checkSerialized(json, 'KNNImputer');
    const imp = new KNNImputer({ nNeighbors: j.nNeighbors as number, weights: j.weights as ImputerWeights, keepEmptyFeatures: j.keepEmptyFeatures as boolean });
    const rows = Number(j.rows), cols = Number(j.cols);
    if (!Array.isArray(j.data) || !Number.isInteger(rows) || !Number.isInteger(cols) || j.data.length !== rows * cols) {
      throw new KnnkitError('json', 'json: KNNImputer.data must hold rows x cols values (null for missing)');
    }
    return imp.fit({ data: Float32Array.from(j.data as (number | null)[], (v) => (v === null ? NaN : v)), rows, cols });
  }
}
