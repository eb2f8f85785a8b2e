import type { Matrix, MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import type { DenseMatrix } from '../core/matrix.js';
import type { CsrMatrix } from '../core/sparse.js';
import { csrDenseBlock } from '../core/sparse.js';
import { KnnkitError } from '../core/errors.js';
import { resolveMetric } from '../metrics/registry.js';
import type { Metric } from '../metrics/types.js';
import { createIndex } from '../index/api.js';
import { getFamily } from '../index/registry.js';
import type { VectorIndex } from '../index/types.js';
import { SearchResult, RadiusResult, withoutSelf } from '../search/results.js';
import { resolveAlgorithm } from './algorithm.js';
import type { ResolvedIndexParams } from './params.js';
import { notFitted } from './params.js';

/**
 * Neighbours of a batch of queries with float64 distances. The engines rank by the metric's
 * reduced distance and report Float32 distances; estimators recompute the distances of the
 * selected neighbours in float64 (the same kernel, `reducedToDistance(reduced(...))`), so that
 * weights such as 1/d match scikit-learn's float64 arithmetic to ~1e-15, not to float32's 1e-7.
 */
export interface Neighborhoods {
  nQueries: number;
  /** Row q is [offsets[q], offsets[q+1]) in indices/distances; fixed width k for k-NN. */
  offsets: Int32Array;
  indices: Int32Array;
  distances: Float64Array;
}

/** The fitted state every neighbour estimator shares: the training matrix, metric and engine. */
export class FittedIndex {
  readonly metric: Metric;
  readonly engine: VectorIndex;
  /** Per-call search parameters the engine's family declares (HNSW's ef). */
  private readonly searchParams: (k: number) => Record<string, unknown>;
  readonly algorithm: string;

  constructor(readonly X: Matrix, readonly params: ResolvedIndexParams, kForAuto: number | undefined) {
    this.metric = resolveMetric(params.metric, X.kind === 'dense' ? X : undefined);
    this.algorithm = resolveAlgorithm(params.algorithm, X, this.metric, kForAuto);
    // the estimator's engine options, passed where the family declares them (leafSize for the
    // trees, M / efConstruction / seed for HNSW, ...)
    const family = getFamily(this.algorithm);
    const declared = new Set(family.options.map((o) => o.name));
    const given: Record<string, unknown> = { leafSize: params.leafSize, M: params.M, efConstruction: params.efConstruction, seed: params.seed };
    const opts: Record<string, unknown> = { metric: this.metric };
    for (const [key, value] of Object.entries(given)) if (value !== undefined && declared.has(key)) opts[key] = value;
    this.engine = createIndex(family.name, X, opts);
    const ef = params.ef;
    this.searchParams = ef !== undefined && family.searchParams.some((o) => o.name === 'ef') ? (k) => ({ ef: Math.max(ef, k) }) : () => ({});
  }

  get size(): number { return this.X.rows; }
  get dim(): number { return this.X.cols; }

  /** Validates queries against the fitted dimension and converts them to the training storage. */
  queries(X: MatrixInput | unknown, name = 'X'): Matrix {
    const q = toMatrix(X, { name, cols: this.dim });
    if (q.kind === this.X.kind) return q;
    return q.kind === 'csr' ? csrToDense(q) : denseToCsr(q);
  }

  /** k nearest neighbours of each query (k clamped to the training size), nearest first. */
  kneighbors(Q: Matrix, k: number): Neighborhoods {
    const kk = Math.min(k, this.size);
    const res = this.engine.search(Q, kk, this.searchParams(kk));
    return this.exact(Q, fixedOffsets(Q.rows, res.k), res.indices, res.k);
  }

  /**
   * Each training point's k nearest other points (the `X omitted` form of scikit-learn):
   * searches k + 1 and drops the point itself; when more than k + 1 exact duplicates hide it,
   * drops the first neighbour instead (a duplicate at distance 0), as scikit-learn does.
   */
  kneighborsOfTraining(k: number): Neighborhoods {
    const n = this.size;
    if (n < 2) throw new KnnkitError('X', 'X: the training set has 1 point, so it has no neighbours other than itself');
    const kk = Math.min(k, n - 1);
    const res = this.engine.search(this.X, kk + 1, this.searchParams(kk + 1));
    return this.exact(this.X, fixedOffsets(n, kk), withoutSelf(res, kk).indices, kk);
  }

  /** Every training point within distance r (inclusive), nearest first; `self` excludes the query's own row. */
  radius(Q: Matrix, r: number, excludeSelf = false): Neighborhoods {
    const res: RadiusResult = this.engine.rangeSearch(Q, r);
    if (!excludeSelf) return this.exact(Q, res.offsets.slice(), res.indices.slice(), -1);
    const offsets = new Int32Array(Q.rows + 1);
    const kept: number[] = [];
    for (let q = 0; q < Q.rows; q++) {
      for (let p = res.offsets[q]; p < res.offsets[q + 1]; p++) if (res.indices[p] !== q) kept.push(res.indices[p]);
      offsets[q + 1] = kept.length;
    }
    return this.exact(Q, offsets, Int32Array.from(kept), -1);
  }

  /** Recomputes the distances of the selected pairs in float64 with the metric's kernel. */
  private exact(Q: Matrix, offsets: Int32Array, indices: Int32Array, _k: number): Neighborhoods {
    const m = this.metric, X = this.X, d = this.dim;
    const dist = new Float64Array(indices.length);
    for (let q = 0; q < Q.rows; q++) {
      for (let p = offsets[q]; p < offsets[q + 1]; p++) {
        const j = indices[p];
        if (j < 0) { dist[p] = Infinity; continue; }
        if (Q.kind === 'dense' && X.kind === 'dense') {
          dist[p] = m.reducedToDistance(m.reduced(Q.data, q * d, X.data, j * d, d));
        } else if (Q.kind === 'csr' && X.kind === 'csr') {
          const kern = m.sparseReduced;
          if (!kern) throw new KnnkitError('metric', `metric: "${m.name}" has no sparse kernel; densify the data or use euclidean, manhattan, cosine or ip`);
          dist[p] = m.reducedToDistance(kern(Q.indices, Q.values, Q.indptr[q], Q.indptr[q + 1], X.indices, X.values, X.indptr[j], X.indptr[j + 1], NaN, NaN));
        }
      }
    }
    return { nQueries: Q.rows, offsets, indices, distances: dist };
  }
}

/**
 * Neighbours actually found in row q: an approximate engine (HNSW) may return fewer than k, the
 * unfilled slots (index -1) being at the end of the row.
 */
export function validCount(nb: Neighborhoods, q: number): number {
  const s = nb.offsets[q], e = nb.offsets[q + 1];
  let n = 0;
  while (s + n < e && nb.indices[s + n] >= 0) n++;
  return n;
}

/** Packs neighbourhoods of fixed width into the public SearchResult (Float32 distances). */
export function toSearchResult(nb: Neighborhoods): SearchResult {
  const k = nb.nQueries > 0 ? nb.offsets[1] - nb.offsets[0] : 0;
  return new SearchResult(nb.indices, Float32Array.from(nb.distances), nb.nQueries, k);
}

export function toRadiusResult(nb: Neighborhoods): RadiusResult {
  return new RadiusResult(nb.offsets, nb.indices, Float32Array.from(nb.distances));
}

function fixedOffsets(n: number, k: number): Int32Array {
  const o = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) o[i] = i * k;
  return o;
}

function csrToDense(m: CsrMatrix): DenseMatrix {
  return { kind: 'dense', data: csrDenseBlock(m, 0, m.rows), rows: m.rows, cols: m.cols };
}

function denseToCsr(m: DenseMatrix): CsrMatrix {
  const indptr = new Int32Array(m.rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      if (v !== 0) { idx.push(j); val.push(v); }
    }
    indptr[i + 1] = idx.length;
  }
  return { kind: 'csr', indptr, indices: Int32Array.from(idx), values: Float32Array.from(val), rows: m.rows, cols: m.cols };
}

/** Throws the not-fitted error when state is missing; returns it otherwise. */
export function fitted<T>(state: T | undefined, estimator: string, verb: string, fitCall?: string): T {
  if (state === undefined) throw notFitted(estimator, verb, fitCall);
  return state;
}
