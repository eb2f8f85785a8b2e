import { BallTree, BALL_TREE_METRICS } from '../../search/ball-tree/ball-tree.js';
import type { FamilyDescriptor } from '../registry.js';
import { LEAF_SIZE } from '../kd-tree/descriptor.js';
import { ExactCore, EXACT_CAPABILITIES } from '../shared/exact-core.js';
import { StoredRows } from '../shared/stored-rows.js';

/** Exact k-NN by a ball tree with triangle-inequality bounds (src/search/ball-tree/): any true metric. */
export const ballTreeFamily: FamilyDescriptor = {
  name: 'ball-tree',
  aliases: ['balltree', 'ball_tree'],
  summary: 'exact ball tree (triangle-inequality bounds); any true metric',
  exact: true,
  metrics: BALL_TREE_METRICS,
  supportsMetric: (m) => (m.isTrueMetric ? null : `the ball tree needs a true metric (${BALL_TREE_METRICS.join(', ')}); use "brute" for any metric`),
  dataKinds: ['dense'],
  codecs: ['f32'],
  capabilities: EXACT_CAPABILITIES,
  options: [LEAF_SIZE],
  searchParams: [],
  formatVersion: 1,
  create(dim, ctx) {
    const leafSize = ctx.options.leafSize as number;
    return new ExactCore(ctx.metric, dim, new StoredRows(dim, false), (data) => new BallTree(data, { metric: ctx.metric, leafSize }));
  },
  load(env, ctx) {
    const leafSize = ctx.options.leafSize as number;
    return ExactCore.load(env, ctx.metric, ctx.view, (data) => new BallTree(data, { metric: ctx.metric, leafSize }));
  },
};
