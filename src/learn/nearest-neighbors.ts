import type { MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { checkOneOf } from '../core/errors.js';
import type { CsrMatrix } from '../core/sparse.js';
import type { RadiusResult, SearchResult } from '../search/results.js';
import type { Neighborhoods } from './base.js';
import { FittedIndex, fitted, toRadiusResult, toSearchResult } from './base.js';
import type { IndexParams, ResolvedIndexParams } from './params.js';
import { checkIndexParams, checkK, checkRadius } from './params.js';
import type { SerializeOptions } from './serialize.js';
import { modelJSON, readModelJSON } from './serialize.js';
import { kneighborsOf, radiusNeighborsOf } from './estimator.js';

export interface NearestNeighborsParams extends IndexParams {
  /** Default k for kneighbors / kneighborsGraph (default 5). */
  k?: number;
  /** Default radius for radiusNeighbors (default 1.0). */
  radius?: number;
}

export type GraphMode = 'connectivity' | 'distance';

/**
 * Unsupervised neighbour queries (scikit-learn's NearestNeighbors). With X omitted, every
 * training point is queried and excluded from its own neighbours, as scikit-learn.
 */
export class NearestNeighbors {
  readonly k: number;
  readonly radius: number;
  readonly indexParams: ResolvedIndexParams;
  private index?: FittedIndex;

  constructor(params: NearestNeighborsParams = {}) {
    this.k = params.k === undefined ? 5 : checkK(params.k);
    this.radius = params.radius === undefined ? 1 : checkRadius(params.radius);
    this.indexParams = checkIndexParams(params);
  }

  fit(X: MatrixInput): this {
    this.index = new FittedIndex(toMatrix(X, { name: 'X', copy: true }), this.indexParams, this.k);
    return this;
  }

  /** Number of fitted points. */
  get size(): number { return fitted(this.index, 'NearestNeighbors', 'size', 'fit(X)').size; }

  kneighbors(X?: MatrixInput, k?: number): SearchResult {
    return toSearchResult(this.knn(X, k, 'kneighbors'));
  }

  radiusNeighbors(X?: MatrixInput, radius?: number): RadiusResult {
    return toRadiusResult(this.rnn(X, radius, 'radiusNeighbors'));
  }

  /**
   * The k-NN graph as a CSR matrix (queries x fitted points): 1 per edge ('connectivity') or the
   * distance ('distance'). Columns are stored ascending within a row (the CsrMatrix contract),
   * not in neighbour order. With X omitted: the training points' graph without self loops.
   */
  kneighborsGraph(X?: MatrixInput, k?: number, mode: GraphMode = 'connectivity'): CsrMatrix {
    checkOneOf('mode', mode, ['connectivity', 'distance'] as const);
    return toGraph(this.knn(X, k, 'kneighborsGraph'), this.size, mode);
  }

  /** The radius graph (all pairs within the radius) in the same form. */
  radiusNeighborsGraph(X?: MatrixInput, radius?: number, mode: GraphMode = 'connectivity'): CsrMatrix {
    checkOneOf('mode', mode, ['connectivity', 'distance'] as const);
    return toGraph(this.rnn(X, radius, 'radiusNeighborsGraph'), this.size, mode);
  }

  toJSON(opts: SerializeOptions = {}): Record<string, unknown> {
    const ix = fitted(this.index, 'NearestNeighbors', 'toJSON', 'fit(X)');
    return modelJSON('NearestNeighbors', ix, { k: this.k, radius: this.radius }, opts);
  }

  static fromJSON(json: unknown): NearestNeighbors {
    const { params, X } = readModelJSON(json, 'NearestNeighbors');
    return new NearestNeighbors(params as NearestNeighborsParams).fit(X);
  }

  private knn(X: MatrixInput | undefined, k: number | undefined, verb: string): Neighborhoods {
    return kneighborsOf(fitted(this.index, 'NearestNeighbors', verb, 'fit(X)'), X, k, this.k);
  }

  private rnn(X: MatrixInput | undefined, radius: number | undefined, verb: string): Neighborhoods {
    return radiusNeighborsOf(fitted(this.index, 'NearestNeighbors', verb, 'fit(X)'), X, radius, this.radius);
  }
}

function toGraph(nb: Neighborhoods, cols: number, mode: GraphMode): CsrMatrix {
  const indptr = new Int32Array(nb.nQueries + 1);
  const indices = new Int32Array(nb.indices.length);
  const values = new Float32Array(nb.indices.length);
  let p = 0;
  for (let q = 0; q < nb.nQueries; q++) {
    const s = nb.offsets[q], e = nb.offsets[q + 1];
    const order = Array.from({ length: e - s }, (_, i) => s + i).filter((i) => nb.indices[i] >= 0).sort((a, b) => nb.indices[a] - nb.indices[b]);
    for (const i of order) { indices[p] = nb.indices[i]; values[p] = mode === 'connectivity' ? 1 : nb.distances[i]; p++; }
    indptr[q + 1] = p;
  }
  return { kind: 'csr', indptr, indices: indices.slice(0, p), values: values.slice(0, p), rows: nb.nQueries, cols };
}
