import type { Matrix, MatrixInput } from '../../core/data.js';
import { toMatrix } from '../../core/data.js';
import { checkInteger, checkNumber } from '../../core/errors.js';
import { TopK, sortByDistanceThenIndex } from '../../core/topk.js';
import type { Metric, MetricSpec } from '../../metrics/types.js';
import { resolveMetric } from '../../metrics/registry.js';
import { SearchResult, RadiusResult } from '../results.js';
import type { NeighborIndex, SearchParams } from '../types.js';

export interface BruteForceOptions {
  metric?: MetricSpec;
}

/**
 * Exact search by scanning every point: the oracle every other engine is tested against.
 * (Reference implementation: scalar kernels, one query at a time. The blocked WebAssembly
 * path replaces the inner loop without changing what is returned.)
 */
export class BruteForce implements NeighborIndex {
  readonly kind = 'brute';
  readonly exact = true;
  readonly metric: Metric;
  private data: Matrix;

  constructor(data: MatrixInput, opts: BruteForceOptions = {}) {
    this.data = toMatrix(data, { name: 'data' });
    const d = this.data;
    this.metric = resolveMetric(opts.metric ?? 'euclidean', d.kind === 'dense' ? d : undefined);
  }

  get size(): number { return this.data.rows; }
  get dim(): number { return this.data.cols; }

  search(queries: MatrixInput, k: number, params: SearchParams = {}): SearchResult {
    checkInteger('k', k, 1);
    const q = toMatrix(queries, { name: 'queries', cols: this.dim });
    const kk = Math.min(k, this.size);
    const res = SearchResult.empty(q.rows, kk);
    const heap = new TopK(kk);
    for (let i = 0; i < q.rows; i++) {
      heap.reset(kk);
      this.scan(q, i, (j, r) => { if (!params.filter || params.filter(j)) heap.push(r, j); });
      const n = heap.drainSorted(res.indices, res.distances, i * kk);
      for (let t = 0; t < n; t++) res.distances[i * kk + t] = this.metric.reducedToDistance(res.distances[i * kk + t]);
    }
    return res;
  }

  radiusSearch(queries: MatrixInput, r: number, params: SearchParams = {}): RadiusResult {
    checkNumber('r', r, 0);
    const q = toMatrix(queries, { name: 'queries', cols: this.dim });
    const rr = this.metric.distanceToReduced(r);
    const offsets = new Int32Array(q.rows + 1);
    const idx: number[] = [];
    const dist: number[] = [];
    for (let i = 0; i < q.rows; i++) {
      const start = idx.length;
      this.scan(q, i, (j, red) => { if (red <= rr && (!params.filter || params.filter(j))) { idx.push(j); dist.push(red); } });
      offsets[i + 1] = idx.length;
      const ii = Int32Array.from(idx.slice(start)), dd = Float64Array.from(dist.slice(start));
      sortByDistanceThenIndex(ii, dd);
      for (let t = 0; t < ii.length; t++) { idx[start + t] = ii[t]; dist[start + t] = this.metric.reducedToDistance(dd[t]); }
    }
    return new RadiusResult(offsets, Int32Array.from(idx), Float32Array.from(dist));
  }

  memoryUsage(): number {
    const d = this.data;
    return d.kind === 'dense' ? d.data.byteLength : d.indptr.byteLength + d.indices.byteLength + d.values.byteLength;
  }

  /** Calls visit(j, reducedDistance) for every indexed point j against query row i. */
  private scan(q: Matrix, i: number, visit: (j: number, r: number) => void): void {
    const d = this.data, m = this.metric, dim = this.dim;
    if (d.kind === 'dense' && q.kind === 'dense') {
      const off = i * dim;
      for (let j = 0; j < d.rows; j++) visit(j, m.reduced(q.data, off, d.data, j * dim, dim));
      return;
    }
    if (d.kind === 'csr' && q.kind === 'csr') {
      const k = m.sparseReduced;
      if (!k) throw new Error(`metric ${m.name} has no sparse kernel`);
      const qs = q.indptr[i], qe = q.indptr[i + 1];
      for (let j = 0; j < d.rows; j++) visit(j, k(q.indices, q.values, qs, qe, d.indices, d.values, d.indptr[j], d.indptr[j + 1], NaN, NaN));
      return;
    }
    throw new Error('queries and data must both be dense or both be CSR');
  }
}
