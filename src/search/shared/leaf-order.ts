import type { TreeLayout } from '../tree/layout.js';

/**
 * The order in which a tree answers query rows [q0, q1): grouped by the leaf each query's
 * descent reaches (by the split axis and value at every level), so consecutive searches touch
 * the same tree nodes and rows while they are still in cache. The answers do not depend on the
 * order, only the speed does. Small batches (< 64 rows) or a one-leaf tree keep row order, where
 * the routing would cost more than it saves. A counting sort: O(nq depth + leaves).
 */
export function leafOrder(t: TreeLayout, d: number, qData: Float32Array, q0: number, q1: number): Int32Array {
  const nq = q1 - q0;
  const order = new Int32Array(nq);
  if (nq < 64 || t.firstLeaf === 0) { for (let i = 0; i < nq; i++) order[i] = q0 + i; return order; }
  const nLeaves = t.nNodes - t.firstLeaf;
  const leafOf = new Int32Array(nq);
  const counts = new Int32Array(nLeaves + 1);
  for (let i = 0; i < nq; i++) {
    const off = (q0 + i) * d;
    let node = 0;
    while (node < t.firstLeaf) node = 2 * node + (qData[off + t.splitDim[node]] < t.splitValue[node] ? 1 : 2);
    leafOf[i] = node - t.firstLeaf;
    counts[leafOf[i] + 1]++;
  }
  for (let i = 0; i < nLeaves; i++) counts[i + 1] += counts[i];
  for (let i = 0; i < nq; i++) order[counts[leafOf[i]]++] = q0 + i;
  return order;
}
