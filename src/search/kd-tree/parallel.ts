import type { DenseMatrix } from '../../core/matrix.js';
import type { Metric } from '../../metrics/types.js';
import { metricToSpec, resolveMetric } from '../../metrics/registry.js';
import { sharedPool, existingSharedPool, defaultThreads, taskUrl } from '../../parallel/pool.js';
import { sharedArray, toShared, sharedMemoryAvailable } from '../../parallel/shared.js';
import { SearchResult } from '../results.js';
import type { TreeLayout } from './layout.js';
import type { TreeInit, TreeSearchTask } from './worker-task.js';

// searchAsync of KDTree and BallTree: the tree arrays are copied once into SharedArrayBuffers,
// every worker of the shared pool (src/parallel) wraps them in a tree object (no rebuild) and
// searches a chunk of queries, writing its rows straight into shared result arrays.

const TASK = taskUrl(import.meta.url, './worker-task');

/** What a tree hands to the workers. */
export interface TreeParts {
  kind: 'kd-tree' | 'ball-tree';
  metric: Metric;
  leafSize: number;
  layout: TreeLayout;
  centers?: Float64Array;
  radii?: Float64Array;
}

const payloads = new WeakMap<object, TreeInit | null>();
let nextId = 1;
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<number>((id) => { void existingSharedPool()?.broadcast(TASK, 'drop', { id }).catch(() => undefined); })
  : undefined;

function shareLayout(t: TreeLayout): TreeLayout {
  return {
    nLevels: t.nLevels, nNodes: t.nNodes, firstLeaf: t.firstLeaf,
    perm: toShared(t.perm), nodeStart: toShared(t.nodeStart), nodeEnd: toShared(t.nodeEnd), points: toShared(t.points),
    lower: toShared(t.lower), upper: toShared(t.upper), splitDim: toShared(t.splitDim), splitValue: toShared(t.splitValue),
  };
}

function payloadOf(owner: object, parts: () => TreeParts): TreeInit | null {
  if (payloads.has(owner)) return payloads.get(owner)!;
  const p = parts();
  let spec: ReturnType<typeof metricToSpec> | null = metricToSpec(p.metric);
  try {
    // only registry metrics can be rebuilt in a worker (functions cannot be posted)
    if (resolveMetric(spec).name !== p.metric.name) spec = null;
  } catch {
    spec = null;
  }
  const init: TreeInit | null = spec ? {
    id: nextId++, kind: p.kind, metric: spec, leafSize: p.leafSize, layout: shareLayout(p.layout),
    centers: p.centers ? toShared(p.centers) : undefined, radii: p.radii ? toShared(p.radii) : undefined,
  } : null;
  payloads.set(owner, init);
  if (init && finalizer) finalizer.register(owner, init.id);
  return init;
}

/**
 * Searches the queries on up to `threads` workers (chunks handed out dynamically). Returns
 * null when the calling thread should do it: 1 thread, few queries, no SharedArrayBuffer, or a
 * metric object that is not in the registry.
 */
export async function searchTreeParallel(owner: object, parts: () => TreeParts, q: DenseMatrix, k: number,
  allowed: Uint8Array | null, threads?: number): Promise<SearchResult | null> {
  const t = Math.min(threads ?? defaultThreads(), Math.ceil(q.rows / 64));
  if (t <= 1 || !sharedMemoryAvailable()) return null;
  const init = payloadOf(owner, parts);
  if (!init) return null;
  const outIdx = sharedArray(Int32Array, q.rows * k).fill(-1);
  const outDist = sharedArray(Float32Array, q.rows * k).fill(Infinity);
  const qs: DenseMatrix = { kind: 'dense', data: toShared(q.data), rows: q.rows, cols: q.cols };
  const base: Omit<TreeSearchTask, 'q0' | 'q1'> = { init, q: qs, k, allowed: allowed ? toShared(allowed) : null, outIdx, outDist };
  const chunk = Math.max(64, Math.ceil(q.rows / (t * 4)));
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

/** The per-call filter evaluated once per indexed point (1 = allowed): functions cannot be posted. */
export function filterMask(filter: ((id: number) => boolean) | undefined, n: number): Uint8Array | null {
  if (!filter) return null;
  const m = new Uint8Array(n);
  for (let j = 0; j < n; j++) m[j] = filter(j) ? 1 : 0;
  return m;
}
