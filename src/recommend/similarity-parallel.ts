import { checkInteger } from '../core/errors.js';
import { sharedArray, sharedMemoryAvailable, sharedPool, taskUrl, toShared } from '../parallel/index.js';
import { rowWork, similarityMatrix, type SimilarityData } from './similarity.js';

const TASK = taskUrl(import.meta.url, './similarity-task');

/** Chunks per thread: rows differ widely in work (popular users / items), so the pool balances several. */
const CHUNKS_PER_THREAD = 4;

/**
 * Row ranges [x0, x1) of about equal work (pairs visited by the half-matrix pass, rowWork),
 * at most `parts` of them, none empty.
 */
export function balancedChunks(work: Float64Array, parts: number): [number, number][] {
  const n = work.length;
  let total = 0;
  for (let x = 0; x < n; x++) total += work[x] + 1; // +1: every row costs something (its diagonal, its loop)
  const out: [number, number][] = [];
  let x0 = 0, acc = 0;
  for (let x = 0; x < n; x++) {
    acc += work[x] + 1;
    if (acc >= (total * (out.length + 1)) / parts && x + 1 < n) { out.push([x0, x + 1]); x0 = x + 1; }
  }
  if (x0 < n) out.push([x0, n]);
  return out;
}

/**
 * The full similarity matrix (nX x nX, row-major, diagonal 1) computed by `threads` worker
 * threads of knnkit's shared pool (src/parallel). Each chunk of rows runs the same half-matrix
 * pass as similarityMatrix: row x computes sim(x, x') for x' > x and writes both (x, x') and
 * (x', x), so chunks write disjoint entries of one shared output and every entry is the same
 * sum in the same order as the single-thread pass: the result is bit-identical. threads = 1
 * (or no SharedArrayBuffer: a browser page without cross-origin isolation) runs
 * similarityMatrix on the calling thread (no worker is started).
 */
export async function similarityMatrixParallel(D: SimilarityData, threads: number): Promise<Float64Array> {
  checkInteger('threads', threads, 1);
  if (threads === 1 || D.nX < 2 || !sharedMemoryAvailable()) return similarityMatrix(D);
  // the inputs once into shared memory (posting shared views copies nothing)
  const S: SimilarityData = {
    ...D,
    xPtr: toShared(D.xPtr), xIdx: toShared(D.xIdx), xVal: toShared(D.xVal),
    yPtr: toShared(D.yPtr), yIdx: toShared(D.yIdx), yVal: toShared(D.yVal), xPos: toShared(D.xPos),
  };
  const out = sharedArray(Float64Array, D.nX * D.nX);
  const pool = sharedPool(threads);
  const chunks = balancedChunks(rowWork(D), threads * CHUNKS_PER_THREAD);
  await Promise.all(chunks.map(([x0, x1]) => pool.run(TASK, 'rows', { D: S, x0, x1, out })));
  return out;
}
