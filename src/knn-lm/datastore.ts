import { checkInteger, invalidParam, KnnkitError } from '../core/errors.js';
import { createIndex, type IndexOptions } from '../index/api.js';
import { indexFromBytes } from '../index/persist.js';
import type { VectorIndex } from '../index/types.js';

/**
 * The kNN-LM datastore (Khandelwal et al., 2020, section 2): one (key, value) pair per training
 * position, key k_i = f(c_i) the model's hidden state (input to the last dense layer), value
 * v_i = the next token w_i. Keys live in any registered knnkit family (created through
 * createIndex, so HNSW, IVF-PQ, flat, ... are interchangeable), with the squared-euclidean metric
 * so that search distances are the paper's d(k, q) = ||k - q||^2; the index's ids are the
 * positions 0..n-1 and `values[id]` is the stored next token.
 */
export interface DatastoreOptions {
  /** Index family (default 'hnsw'); any name `knnkit indexes` lists or a FAISS factory string. */
  kind?: string;
  /** The family's build options (M, efConstruction, nlist, m, ...). */
  indexOptions?: Omit<IndexOptions, 'metric' | 'ids'>;
}

export interface Neighbours {
  /** Row-major nq x k: the neighbours' stored next tokens (-1 = none). */
  values: Int32Array;
  /** Row-major nq x k: squared L2 distances (Infinity = none). */
  dists: Float64Array;
  k: number;
}

export class Datastore {
  constructor(readonly index: VectorIndex, readonly values: Int32Array) {
    if (index.size !== values.length) throw new KnnkitError('values', `values: ${values.length} values for an index of ${index.size} keys`);
    if (index.metric.name !== 'sqeuclidean') throw invalidParam('index.metric', index.metric.name, '"sqeuclidean" (the paper\'s squared L2)');
  }

  /** Builds the datastore from keys (n x dim, row-major) and their values. */
  static build(keys: Float32Array, dim: number, values: Int32Array, opts: DatastoreOptions = {}): Datastore {
    checkInteger('dim', dim, 1);
    if (keys.length !== values.length * dim) throw new KnnkitError('keys', `keys: ${keys.length} floats; expected values.length * dim = ${values.length * dim}`);
    if (values.length === 0) throw new KnnkitError('values', 'values: empty; a datastore needs at least one training position');
    const index = createIndex(opts.kind ?? 'hnsw', { data: keys, rows: values.length, cols: dim }, { ...opts.indexOptions, metric: 'sqeuclidean' });
    return new Datastore(index, values.slice());
  }

  get size(): number { return this.values.length; }
  get dim(): number { return this.index.dim; }

  /** Bytes of the index (keys or codes + structure) plus 4 bytes per value. */
  memoryUsage(): number { return this.index.memoryUsage() + this.values.byteLength; }

  /** The k nearest stored contexts of each query key (nq x dim, row-major). */
  search(queries: Float32Array, k: number, params: Record<string, unknown> = {}): Neighbours {
    k = checkInteger('k', k, 1);
    const nq = queries.length / this.dim;
    if (!Number.isInteger(nq) || nq === 0) throw new KnnkitError('queries', `queries: ${queries.length} floats is not a positive multiple of the key dimension ${this.dim}`);
    const res = this.index.search({ data: queries, rows: nq, cols: this.dim }, k, params);
    const ids = res.indices, dd = res.distances; // (a getter: read once)
    const kk = ids.length / nq; // the wrapper may clamp k to the datastore size
    const values = new Int32Array(nq * k).fill(-1);
    const dists = new Float64Array(nq * k).fill(Infinity);
    for (let i = 0; i < nq; i++) {
      for (let j = 0; j < kk; j++) {
        const id = ids[i * kk + j];
        if (id < 0) continue;
        values[i * k + j] = this.values[id];
        dists[i * k + j] = dd[i * kk + j];
      }
    }
    return { values, dists, k };
  }

  /** Index bytes (the index contract's envelope) and values, for save/load. */
  toBytes(): { index: Uint8Array; values: Int32Array } {
    return { index: this.index.toBytes(), values: this.values };
  }

  static fromBytes(index: Uint8Array, values: Int32Array): Datastore {
    return new Datastore(indexFromBytes(index), values);
  }
}
