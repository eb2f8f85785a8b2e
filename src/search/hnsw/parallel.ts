import type { MatrixInput } from '../../core/data.js';
import { toDense } from '../../core/matrix.js';
import { checkInteger } from '../../core/errors.js';
import { SearchResult } from '../results.js';
import type { ParallelOptions } from '../types.js';
import { sharedPool, taskUrl, defaultThreads, sharedArray } from '../../parallel/index.js';
import type { HnswIndex, HnswSearchParams } from './hnsw-index.js';
import { FILTER_BITMAP, FILTER_NONE } from './kernel.js';
import { normaliseFilter } from './filter.js';
import { checkBinary } from './bits.js';
import type { SearchTask } from './search-task.js';

const TASK = taskUrl(import.meta.url, './search-task');
/** Below this many queries per thread, handing work to threads costs more than it saves (the default of params.minQueriesPerThread). */
const MIN_QUERIES_PER_THREAD = 64;

/**
 * searchAsync: queries are split into contiguous blocks, one per thread of the shared worker
 * pool; each block runs the graph kernels on the index's shared memory with its own scratch block,
 * walks the same bytes as `search` and writes slots and reduced distances into shared
 * output arrays, which this thread maps to ids and distances exactly as `search` does.
 * A predicate filter is evaluated here once per point into the allow bitmap (functions do
 * not cross threads). Falls back to `search` when there is nothing to share or 1 thread.
 */
export async function parallelSearch(idx: HnswIndex, queries: MatrixInput, k: number, params: HnswSearchParams & ParallelOptions): Promise<SearchResult> {
  checkInteger('k', k, 1);
  const threads = params.threads === undefined ? defaultThreads() : checkInteger('threads', params.threads, 1, 1024);
  const Q = toDense(queries, { name: 'queries', cols: idx.dim });
  const shared = idx.arena.shared && typeof SharedArrayBuffer !== 'undefined';
  const kk = Math.min(k, idx.size);
  const ef = Math.max(params.ef === undefined ? idx.ef : checkInteger('ef', params.ef, 1), kk);
  const minPer = params.minQueriesPerThread === undefined ? MIN_QUERIES_PER_THREAD : checkInteger('minQueriesPerThread', params.minQueriesPerThread, 1);
  const workers = Math.min(threads, Math.floor(Q.rows / minPer));
  // one worker is worth it only when asked for (minQueriesPerThread: the caller's thread has other work)
  if (workers < 1 || (workers === 1 && params.minQueriesPerThread === undefined) || !shared || kk === 0 || (idx.kernelName === 'js' && !serialisableMetric(idx))) {
    return idx.search(Q, k, params);
  }
  // filters: an allow bitmap shared by all workers; selective ones take the exact-scan path in `search`
  const f = normaliseFilter(params.filter);
  let mode = FILTER_NONE;
  if (f.kind !== 'none') {
    const plan = idx.planFilter(params.filter, ef, params.filterStrategy);
    idx.kernel.setHostFilter(undefined);
    if (plan.list >= 0) return idx.search(Q, k, params);
    if (f.kind === 'predicate') {
      const l = idx.layout, u8 = idx.views.u8;
      u8.fill(0, l.allow, l.allow + Math.ceil(l.cap / 8));
      for (let s = 0; s < idx.count; s++) {
        const id = idx.labels[s];
        if (id >= 0 && f.fn(id)) u8[l.allow + (s >> 3)] |= 1 << (s & 7);
      }
    }
    mode = FILTER_BITMAP;
  }
  idx.reserve(idx.layout.cap, idx.layout.upperCap, workers + 1, ef);
  // storage 'bits': checked here so that the error is thrown in this thread (workers pack the queries)
  if (idx.storage === 'bits') checkBinary('queries', Q.data, Q.rows, idx.dim);
  const qShared = sharedArray(Float32Array, Q.data.length);
  qShared.set(Q.data);
  const outSlots = sharedArray(Int32Array, Q.rows * kk).fill(-1);
  const outDist = sharedArray(Float32Array, Q.rows * kk);
  const per = Math.ceil(Q.rows / workers);
  const key = `${idx.instanceId}:${idx.layout.total}:${idx.arena.byteLength}:${idx.kernelName}`;
  const pool = sharedPool(workers);
  idx.setBusy(true);
  try {
    await Promise.all(Array.from({ length: workers }, (_, w) => {
      const task: SearchTask = {
        key,
        wasmModule: idx.wasm ? idx.wasm.module : null,
        memory: idx.wasm ? (idx.arena.memory ?? null) : null,
        buffer: idx.wasm ? null : (idx.arena.buffer as SharedArrayBuffer),
        layout: idx.layout, nativeKind: idx.nativeKind, metric: idx.metricSpec(), thread: w + 1,
        queries: qShared, qFrom: w * per, qTo: Math.min(Q.rows, (w + 1) * per),
        k: kk, ef, mode, ep: idx.ep, maxLevel: idx.maxLevel, deleted: idx.deleted, outSlots, outDist,
      };
      return pool.run(TASK, 'search', task);
    }));
  } finally {
    idx.setBusy(false);
  }
  const res = SearchResult.empty(Q.rows, kk);
  const slots = outSlots, dist = outDist;
  const m = idx.metric, cos = idx.shape.cosine;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s < 0) continue;
    res.indices[i] = idx.labels[s];
    let r = m.reducedToDistance(dist[i]);
    if (cos) r = r < 0 ? 0 : r > 2 ? 2 : r;
    res.distances[i] = r;
  }
  return res;
}

function serialisableMetric(idx: HnswIndex): boolean {
  try { JSON.stringify(idx.metricSpec()); return true; } catch { return false; }
}
