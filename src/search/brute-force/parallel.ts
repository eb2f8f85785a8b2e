import type { Matrix } from '../../core/data.js';
import { defaultThreads, taskUrl } from '../../parallel/pool.js';
import { toShared, sharedMemoryAvailable } from '../../parallel/shared.js';
import type { SearchResult } from '../results.js';
import { WorkerPayloads } from '../shared/worker-payloads.js';
import { searchOnPool } from '../shared/parallel-search.js';
import type { BruteForce } from './brute-force.js';
import type { InitPayload } from './worker-task.js';

const TASK = taskUrl(import.meta.url, './worker-task');

/** Per index: its id and the shared copy of its data, built on the first searchAsync. */
const payloads = new WorkerPayloads<InitPayload>(TASK);

function shareMatrix(m: Matrix): Matrix {
  return m.kind === 'dense'
    ? { kind: 'dense', data: toShared(m.data), rows: m.rows, cols: m.cols }
    : { kind: 'csr', indptr: toShared(m.indptr), indices: toShared(m.indices), values: toShared(m.values), rows: m.rows, cols: m.cols };
}

/**
 * Runs index.search on worker threads: queries are cut into chunks handed out dynamically to
 * at most `threads` workers, each writing its rows straight into shared result arrays.
 * Returns null when the work should run in the calling thread (1 thread, a single query, a
 * metric that cannot be rebuilt in a worker, no SharedArrayBuffer).
 */
export async function searchParallel(index: BruteForce, q: Matrix, k: number, allowed: Uint8Array | null, threads?: number): Promise<SearchResult | null> {
  const t = Math.min(threads ?? defaultThreads(), Math.ceil(q.rows / 4));
  if (t <= 1 || !sharedMemoryAvailable()) return null;
  const { data, metric, core } = index.internals;
  // a panel store is shared as it is (its memory is a SharedArrayBuffer); other bases are
  // copied once onto shared memory
  const panels = core.scanner?.payload() ?? null;
  if (core.scanner?.store && !panels) return null; // a private store (no shared WebAssembly memory)
  const init = payloads.get(index, metric, (id, spec) => ({ id, data: panels ? null : shareMatrix(data), panels, metric: spec, wasm: core.path !== 'ts' }));
  if (!init) return null;
  // A few chunks per thread balance the load on a shared machine; each chunk is a multiple of
  // the kernel's query block so no block runs half empty.
  const chunk = Math.max(4, Math.ceil(q.rows / (t * 4) / 4) * 4);
  return searchOnPool(TASK, { init, q: shareMatrix(q), k, allowed: allowed ? toShared(allowed) : null }, q.rows, t, chunk);
}
