import type { DenseMatrix } from '../../core/matrix.js';
import { TopK } from '../../core/topk.js';
import type { Metric } from '../../metrics/types.js';
import { SearchResult } from '../../search/results.js';

/**
 * Exact re-ranking (FAISS's IndexRefineFlat): each query's candidates (labels, `width` per query,
 * -1 padded) are scored by the metric's float64 kernel against the float32 rows kept beside a
 * lossy index (row r = label r); the best k come back nearest first with true distances.
 */
export function rerankExact(metric: Metric, rows: DenseMatrix, Q: DenseMatrix, k: number, cand: Int32Array, width: number): SearchResult {
  const d = Q.cols, out = SearchResult.empty(Q.rows, k);
  const h = new TopK(k);
  const tmpI = new Int32Array(k), tmpD = new Float64Array(k);
  for (let i = 0; i < Q.rows; i++) {
    h.reset(k);
    for (let t = 0; t < width; t++) {
      const j = cand[i * width + t];
      if (j < 0) continue;
      const r = metric.reduced(Q.data, i * d, rows.data, j * d, d);
      if (h.accepts(r, j)) h.push(r, j);
    }
    tmpI.fill(-1); tmpD.fill(Infinity);
    const got = h.drainSorted(tmpI, tmpD, 0);
    for (let t = 0; t < got; t++) { out.indices[i * k + t] = tmpI[t]; out.distances[i * k + t] = metric.reducedToDistance(tmpD[t]); }
  }
  return out;
}
