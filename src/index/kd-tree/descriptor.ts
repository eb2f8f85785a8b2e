import { KDTree, KD_TREE_METRICS } from '../../search/kd-tree/kd-tree.js';
import type { FamilyDescriptor } from '../registry.js';
import { treeFamilyCores } from '../shared/exact-core.js';

/** Exact k-NN by a KD-tree with box bounds (src/search/kd-tree/): Minkowski metrics, low dimensions. */
export const kdTreeFamily: FamilyDescriptor = {
  name: 'kd-tree',
  aliases: ['kdtree', 'kd_tree'],
  summary: 'exact KD-tree (box bounds); Minkowski metrics, best below ~16 dimensions',
  exact: true,
  metrics: KD_TREE_METRICS,
  supportsMetric: (m) => (m.minkowskiP === undefined ? `the KD-tree needs a Minkowski-family metric (${KD_TREE_METRICS.join(', ')}); use "ball-tree" for other true metrics or "brute" for any metric` : null),
  ...treeFamilyCores((data, metric, leafSize) => new KDTree(data, { metric, leafSize })),
};
