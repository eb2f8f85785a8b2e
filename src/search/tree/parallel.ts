import type { DenseMatrix } from '../../core/matrix.js';
import type { Metric } from '../../metrics/types.js';
import { defaultThreads, taskUrl } from '../../parallel/pool.js';
import { toShared, sharedMemoryAvailable } from '../../parallel/shared.js';
import type { SearchResult } from '../results.js';
import { WorkerPayloads } from '../shared/worker-payloads.js';
import { searchOnPool } from '../shared/parallel-search.js';
import type { TreeLayout } from './layout.js';
import type { TreeInit } from './worker-task.js';

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

const payloads = new WorkerPayloads<TreeInit>(TASK);

function shareLayout(t: TreeLayout): TreeLayout {
  return {
    nLevels: t.nLevels, nNodes: t.nNodes, firstLeaf: t.firstLeaf,
    perm: toShared(t.perm), nodeStart: toShared(t.nodeStart), nodeEnd: toShared(t.nodeEnd), points: toShared(t.points),
    lower: toShared(t.lower), upper: toShared(t.upper), splitDim: toShared(t.splitDim), splitValue: toShared(t.splitValue),
  };
}

/**
 * Searches the queries on up to `threads` workers (chunks handed out dynamically). Returns
 * null when the calling thread should do it: 1 thread, few queries, no SharedArrayBuffer, or a
 * metric object that is not in the registry. `parts` only gathers references; its arrays are
 * copied to shared memory once per tree, on the first parallel search.
 */
export async function searchTreeParallel(owner: object, parts: () => TreeParts, q: DenseMatrix, k: number,
  allowed: Uint8Array | null, threads?: number): Promise<SearchResult | null> {
  const t = Math.min(threads ?? defaultThreads(), Math.ceil(q.rows / 64));
  if (t <= 1 || !sharedMemoryAvailable()) return null;
  const p = parts();
  const init = payloads.get(owner, p.metric, (id, metric) => ({
    id, kind: p.kind, metric, leafSize: p.leafSize, layout: shareLayout(p.layout),
    centers: p.centers ? toShared(p.centers) : undefined, radii: p.radii ? toShared(p.radii) : undefined,
  }));
  if (!init) return null;
  const qs: DenseMatrix = { kind: 'dense', data: toShared(q.data), rows: q.rows, cols: q.cols };
  // A chunk of at least 64 queries keeps the leaf-grouped order of searchRows worth its cost.
  const chunk = Math.max(64, Math.ceil(q.rows / (t * 4)));
  return searchOnPool(TASK, { init, q: qs, k, allowed: allowed ? toShared(allowed) : null }, q.rows, t, chunk);
}
