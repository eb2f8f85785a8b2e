// Worker-side half of KDTree/BallTree.searchAsync (a WorkerPool task module, see src/parallel):
// each worker wraps the shared tree arrays once per index and keeps the object for later calls.
import type { DenseMatrix } from '../../core/matrix.js';
import { resolveMetric } from '../../metrics/registry.js';
import type { PortableMetric } from '../shared/worker-payloads.js';
import type { SearchChunk } from '../shared/search-task.js';
import type { TreeLayout } from './layout.js';
import { KDTree } from '../kd-tree/kd-tree.js';
import { BallTree } from '../ball-tree/ball-tree.js';

export interface TreeInit {
  id: number;
  kind: 'kd-tree' | 'ball-tree';
  metric: PortableMetric;
  leafSize: number;
  layout: TreeLayout;
  centers?: Float64Array;
  radii?: Float64Array;
}

export type TreeSearchTask = SearchChunk<TreeInit, DenseMatrix>;

const trees = new Map<number, KDTree | BallTree>();

export function search(t: TreeSearchTask): number {
  let tree = trees.get(t.init.id);
  if (!tree) {
    const i = t.init;
    const metric = resolveMetric(i.metric);
    tree = i.kind === 'kd-tree'
      ? KDTree.fromLayout(i.layout, metric, i.leafSize)
      : BallTree.fromParts(i.layout, i.centers!, i.radii!, metric, i.leafSize);
    trees.set(i.id, tree);
  }
  const allowed = t.allowed;
  const filter = allowed ? (id: number) => allowed[id] === 1 : null;
  tree.searchRows(t.q, t.q0, t.q1, t.k, filter, t.outIdx, t.outDist, 0);
  return t.q1 - t.q0;
}

export function drop(a: { id: number }): void {
  trees.delete(a.id);
}
