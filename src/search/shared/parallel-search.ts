import { sharedPool } from '../../parallel/pool.js';
import { sharedArray } from '../../parallel/shared.js';
import { SearchResult } from '../results.js';
import type { SearchChunk } from './search-task.js';

/**
 * The part of searchAsync that every exact engine does alike: cut the `rows` queries into
 * chunks of `chunk` rows, hand them out dynamically to `threads` workers of the shared pool
 * (a chunk goes to whichever worker is free, which balances the load on a shared machine) and
 * let each worker write its rows straight into shared result arrays, so nothing is copied back
 * but the final slice. `base` is the task without its rows; its query matrix must already be
 * shared. Returns exactly what the engine's `search` returns.
 */
export async function searchOnPool<Init, Q>(task: string, base: Omit<SearchChunk<Init, Q>, 'q0' | 'q1' | 'outIdx' | 'outDist'>,
  rows: number, threads: number, chunk: number): Promise<SearchResult> {
  const k = base.k;
  const outIdx = sharedArray(Int32Array, rows * k).fill(-1);
  const outDist = sharedArray(Float32Array, rows * k).fill(Infinity);
  const pool = sharedPool(threads);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rows) {
      const q0 = next;
      next = Math.min(rows, next + chunk);
      const t: SearchChunk<Init, Q> = { ...base, q0, q1: next, outIdx, outDist };
      await pool.run(task, 'search', t);
    }
  };
  await Promise.all(Array.from({ length: threads }, worker));
  return new SearchResult(outIdx.slice(), outDist.slice(), rows, k);
}
