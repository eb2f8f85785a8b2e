import type { DenseMatrix } from '../../src/core/matrix.js';
import type { SearchResult } from '../../src/search/results.js';

/** recall@k of `res` against exact results `truth` (the fraction of true neighbours found; -1 padding ignored). */
export function recall(res: SearchResult, truth: SearchResult): number {
  let hit = 0, total = 0;
  for (let q = 0; q < truth.nQueries; q++) {
    const t = new Set(Array.from(truth.row(q).indices).filter((i) => i >= 0));
    total += t.size;
    for (const i of res.row(q).indices) if (t.has(i)) hit++;
  }
  return total === 0 ? 1 : hit / total;
}

/** Rows [a, b) of X as a new matrix. */
export function rows(X: DenseMatrix, a: number, b: number): DenseMatrix {
  return { kind: 'dense', data: X.data.slice(a * X.cols, b * X.cols), rows: b - a, cols: X.cols };
}
