import { BallTree, BALL_TREE_METRICS } from '../../search/ball-tree/ball-tree.js';
import type { FamilyDescriptor } from '../registry.js';
import { treeFamilyCores } from '../shared/exact-core.js';

/** Exact k-NN by a ball tree with triangle-inequality bounds (src/search/ball-tree/): any true metric. */
export const ballTreeFamily: FamilyDescriptor = {
  name: 'ball-tree',
  aliases: ['balltree', 'ball_tree'],
  summary: 'exact ball tree (triangle-inequality bounds); any true metric',
  exact: true,
  metrics: BALL_TREE_METRICS,
  supportsMetric: (m) => (m.isTrueMetric ? null : `the ball tree needs a true metric (${BALL_TREE_METRICS.join(', ')}); use "brute" for any metric`),
  ...treeFamilyCores((data, metric, leafSize) => new BallTree(data, { metric, leafSize })),
};
