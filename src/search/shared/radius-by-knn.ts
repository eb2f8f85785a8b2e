import { rowsView, type DenseMatrix } from '../../core/matrix.js';
import { RadiusResult, type SearchResult } from '../results.js';

/**
 * Range search for an index that answers k nearest neighbours only (HNSW, and HNSW re-ranked by
 * refine): per query, ask for k neighbours, doubling k while the k-th is still within r (and
 * fewer than `live` points were returned), then keep those within r, nearest first, ties by id.
 * The answer is as complete as the k-NN search it is built on.
 */
export function radiusByKnn(Q: DenseMatrix, r: number, live: number, startK: number, knn: (row: DenseMatrix, k: number) => SearchResult): RadiusResult {
  const offsets = new Int32Array(Q.rows + 1);
  const idx: number[] = [], dist: number[] = [];
  for (let i = 0; i < Q.rows; i++) {
    const row = rowsView(Q, i, i + 1);
    let k = Math.min(live, startK);
    while (k > 0) {
      const res = knn(row, k);
      const last = res.distances[res.k - 1];
      if (res.k >= live || !(last <= r) || res.indices[res.k - 1] < 0) {
        for (let j = 0; j < res.k; j++) if (res.indices[j] >= 0 && res.distances[j] <= r) { idx.push(res.indices[j]); dist.push(res.distances[j]); }
        break;
      }
      k = Math.min(live, k * 2);
    }
    offsets[i + 1] = idx.length;
    const s = offsets[i], e = idx.length;
    const order = Array.from({ length: e - s }, (_, j) => s + j).sort((a, b) => dist[a] - dist[b] || idx[a] - idx[b]);
    const si = order.map((j) => idx[j]), sd = order.map((j) => dist[j]);
    for (let j = 0; j < si.length; j++) { idx[s + j] = si[j]; dist[s + j] = sd[j]; }
  }
  return new RadiusResult(offsets, Int32Array.from(idx), Float32Array.from(dist));
}
