import type { DenseMatrix } from '../../core/matrix.js';
import { sharedArray, toShared } from '../../parallel/shared.js';
import { sharedPool, taskUrl } from '../../parallel/pool.js';
import type { BitRows } from './bit-rows.js';
import { concatForests, splitPoints, type ForestArrays, type SplitKind } from './build.js';
import type { TreeRangeTask } from './worker-task.js';

const TASK = taskUrl(import.meta.url, './worker-task');

/** Tree ranges per thread: a few, so that a slow range (a deeper tree) does not idle the others. */
const RANGES_PER_THREAD = 4;

/**
 * The forest buildForest / buildHammingForest make, built on `threads` workers of the shared
 * pool: trees are independent (tree t depends only on the points and treeSeed(seed, t)), so
 * consecutive tree ranges are built apart and concatenated in tree order, giving the same
 * arrays, byte for byte, as the serial build. The points go to a SharedArrayBuffer once; at
 * most `threads` ranges run at a time (the shared pool may hold more workers).
 */
export async function buildForestParallel(
  input: { kind: SplitKind; rows?: DenseMatrix; bits?: BitRows },
  nTrees: number, leafSize: number, seed: number, threads: number,
): Promise<ForestArrays> {
  const { kind } = input;
  let points: Float32Array | Int32Array, n: number, dim: number, stride: number;
  if (kind === 'hamming') {
    const b = input.bits!;
    points = toShared(b.data.subarray(0, b.rows * b.words));
    n = b.rows; dim = b.dim; stride = 0;
  } else {
    const m = input.rows!;
    const out = kind === 'dot' ? sharedArray(Float32Array, m.rows * (m.cols + 1)) : undefined;
    const sp = splitPoints(m, kind, out);
    points = toShared(sp.P);
    n = m.rows; dim = sp.D; stride = sp.D + 1;
  }
  const count = Math.min(nTrees, threads * RANGES_PER_THREAD);
  const ranges: Array<[number, number]> = [];
  for (let r = 0; r < count; r++) ranges.push([Math.floor((r * nTrees) / count), Math.floor(((r + 1) * nTrees) / count)]);
  const parts: ForestArrays[] = new Array(count);
  const pool = sharedPool(threads);
  let next = 0;
  // `threads` loops each take the next range when their last one is done (dynamic balance)
  const loop = async (): Promise<void> => {
    while (next < count) {
      const r = next++;
      const task: TreeRangeTask = { kind, points, n, dim, t0: ranges[r][0], t1: ranges[r][1], leafSize, seed };
      parts[r] = await pool.run<ForestArrays>(TASK, 'buildTreeRange', task);
    }
  };
  await Promise.all(Array.from({ length: Math.min(threads, count) }, loop));
  return concatForests(parts, stride);
}
