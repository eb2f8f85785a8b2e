/**
 * The browser build's src/knn-graph/parallel.ts (scripts/build-dist.mjs substitutes it): the
 * kNN-Graph column solves run on Node worker threads only, so fitAsync trains in the calling
 * thread by default and refuses an explicit threads > 1 with a KnnkitError.
 */
import { KnnkitError } from '../core/errors.js';

export function defaultThreads(): number {
  return 1;
}

export async function solveAllParallel(_prep: unknown, threads: number): Promise<never> {
  throw new KnnkitError('threads', `threads: got ${threads}; kNN-Graph's parallel fit uses Node worker threads; in a browser use threads: 1 (fitAsync then trains in the calling thread)`);
}
