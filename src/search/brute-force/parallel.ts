import type { Matrix } from '../../core/data.js';
import { metricToSpec, resolveMetric } from '../../metrics/registry.js';
import { sharedPool, existingSharedPool, defaultThreads, taskUrl } from '../../parallel/pool.js';
import { sharedArray, toShared, sharedMemoryAvailable } from '../../parallel/shared.js';
import { SearchResult } from '../results.js';
import type { BruteForce } from './brute-force.js';
import type { InitPayload, SearchTask } from './worker-task.js';

const TASK = taskUrl(import.meta.url, './worker-task');

/** Per index: its id and the shared copy of its data, built on the first searchAsync. */
const payloads = new WeakMap<BruteForce, InitPayload | null>();
let nextIndexId = 1;
/** Drops a collected index's engines (and their WebAssembly memories) from the workers. */
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<number>((id) => { void existingSharedPool()?.broadcast(TASK, 'drop', { id }).catch(() => undefined); })
  : undefined;

function shareMatrix(m: Matrix): Matrix {
  return m.kind === 'dense'
    ? { kind: 'dense', data: toShared(m.data), rows: m.rows, cols: m.cols }
    : { kind: 'csr', indptr: toShared(m.indptr), indices: toShared(m.indices), values: toShared(m.values), rows: m.rows, cols: m.cols };
}

function payloadOf(index: BruteForce): InitPayload | null {
  if (payloads.has(index)) return payloads.get(index)!;
  const { data, metric, core } = index.internals;
  let spec: ReturnType<typeof metricToSpec> | null = metricToSpec(metric);
  try {
    // Only registry metrics can be rebuilt in a worker (a metric object's functions cannot be sent).
    if (resolveMetric(spec).name !== metric.name) spec = null;
  } catch {
    spec = null;
  }
  const p: InitPayload | null = spec ? { id: nextIndexId++, data: shareMatrix(data), metric: spec, wasm: core.path !== 'ts' } : null;
  payloads.set(index, p);
  if (p && finalizer) finalizer.register(index, p.id);
  return p;
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
  const init = payloadOf(index);
  if (!init) return null;
  const outIdx = sharedArray(Int32Array, q.rows * k).fill(-1);
  const outDist = sharedArray(Float32Array, q.rows * k).fill(Infinity);
  const base: Omit<SearchTask, 'q0' | 'q1'> = {
    init, q: shareMatrix(q), k, allowed: allowed ? toShared(allowed) : null, outIdx, outDist,
  };
  // A few chunks per thread balance the load on a shared machine; each chunk is a multiple of
  // the kernel's query block so no block runs half empty.
  const chunk = Math.max(4, Math.ceil(q.rows / (t * 4) / 4) * 4);
  const pool = sharedPool(t);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < q.rows) {
      const q0 = next;
      next = Math.min(q.rows, next + chunk);
      await pool.run(TASK, 'search', { ...base, q0, q1: next });
    }
  };
  await Promise.all(Array.from({ length: t }, worker));
  return new SearchResult(outIdx.slice(), outDist.slice(), q.rows, k);
}
