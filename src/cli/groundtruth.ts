import { KnnkitError } from '../core/errors.js';
import { readIvecs } from '../io/index.js';
import type { GroundTruth } from './bench-report.js';

/**
 * Reads --groundtruth (.ivecs: one row of true neighbour ids per query, nearest first) and checks
 * it at once, before any build: one row per query, at least k ids per row, and every id one the
 * index can return (`valid`), or -1 (no neighbour, for rows of filtered searches).
 */
export async function readGroundTruth(path: string, nQueries: number, k: number, valid: { test(id: number): boolean; describe: string }): Promise<GroundTruth> {
  const flag = '--groundtruth';
  const g = await readIvecs(path);
  if (g.rows !== nQueries) throw new KnnkitError(flag, `${flag}: ${path} has ${g.rows} rows for ${nQueries} queries; expected one row per query`);
  if (g.cols < k) throw new KnnkitError(flag, `${flag}: ${path} lists ${g.cols} neighbours per query; --k ${k} needs at least ${k}`);
  for (let q = 0; q < g.rows; q++) {
    // only the first k of each row count toward recall@k; the rest are still checked
    for (let j = 0; j < g.cols; j++) {
      const id = g.data[q * g.cols + j];
      if (id !== -1 && !valid.test(id)) {
        throw new KnnkitError(flag, `${flag}: ${path} row ${q}, column ${j} holds id ${id}, which is not ${valid.describe}; is it the ground truth of these files?`);
      }
    }
  }
  return g;
}
