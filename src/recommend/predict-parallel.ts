import { sharedArray, sharedPool, taskUrl } from '../parallel/index.js';
import type { SharedKnnState } from './knn.js';

const TASK = taskUrl(import.meta.url, './predict-task');

/** Chunks per thread: rows differ widely in work, so the pool balances several per worker. */
const CHUNKS_PER_THREAD = 4;

/**
 * Predictions for (users[p], items[p]) on `threads` workers when similarity rows are computed on
 * demand. Pairs are ordered by x (the user for user-based models) so that each worker computes
 * each of its rows once; chunk boundaries fall between different x, and each chunk holds about
 * the same work (a row costs the ratings of the raters of x's items, what the full-row pass
 * visits, plus one aggregation per pair), so one heavy row does not leave a worker idle.
 */
export async function predictRowsParallel(state: SharedKnnState, users: ArrayLike<number>, items: ArrayLike<number>, threads: number): Promise<Float64Array> {
  const n = users.length;
  const ub = state.params.userBased;
  const xs = ub ? users : items;
  const u = sharedArray(Int32Array, n), it = sharedArray(Int32Array, n);
  for (let p = 0; p < n; p++) { u[p] = users[p]; it[p] = items[p]; }
  const order = sharedArray(Int32Array, n);
  const sorted = Array.from({ length: n }, (_, p) => p).sort((a, b) => xs[a] - xs[b] || a - b);
  order.set(sorted);
  // work of one x's row: sum over its ratings of the raters of that y (what similarityRow visits)
  const { xPtr, xIdx, yPtr, nX } = state.D;
  const rowCost = (x: number): number => {
    if (!(x >= 0 && x < nX)) return 1;
    let w = 1;
    for (let q = xPtr[x]; q < xPtr[x + 1]; q++) w += yPtr[xIdx[q] + 1] - yPtr[xIdx[q]];
    return w;
  };
  // runs of equal x in `order`, with their cost (one row + one aggregation per pair)
  const runs: { t0: number; t1: number; w: number }[] = [];
  let total = 0;
  for (let t = 0; t < n;) {
    const x = xs[order[t]];
    let t1 = t + 1;
    while (t1 < n && xs[order[t1]] === x) t1++;
    const w = rowCost(x) + (t1 - t);
    runs.push({ t0: t, t1, w });
    total += w;
    t = t1;
  }
  const parts = threads * CHUNKS_PER_THREAD;
  const chunks: [number, number][] = [];
  let start = 0, acc = 0;
  for (const r of runs) {
    acc += r.w;
    if (acc >= (total * (chunks.length + 1)) / parts && r.t1 < n) { chunks.push([start, r.t1]); start = r.t1; }
  }
  if (start < n) chunks.push([start, n]);
  const out = sharedArray(Float64Array, n);
  const pool = sharedPool(threads);
  await Promise.all(chunks.map(([p0, p1]) => pool.run(TASK, 'predict', { state, users: u, items: it, order, p0, p1, out })));
  return out;
}
