// Worker-thread task of the parallel similarity pass (./similarity-parallel.ts): rows [x0, x1)
// of the half-matrix pass, written straight into the shared output. Runs in src/parallel's pool.
import { RowScratch, similarityRows, type SimilarityData } from './similarity.js';

// One scratch per worker, kept between calls: similarityRow leaves it zeroed (it resets every
// entry it touched), so it serves any later matrix of at most its size.
let scratch: RowScratch | null = null;

export function rows(a: { D: SimilarityData; x0: number; x1: number; out: Float64Array }): number {
  if (!scratch || scratch.freq.length < a.D.nX) scratch = new RowScratch(a.D.nX);
  similarityRows(a.D, a.x0, a.x1, a.out, scratch);
  return a.x1 - a.x0;
}
