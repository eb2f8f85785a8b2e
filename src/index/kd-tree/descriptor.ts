import { KDTree, KD_TREE_METRICS } from '../../search/kd-tree/kd-tree.js';
import type { FamilyDescriptor } from '../registry.js';
import type { OptionSpec } from '../options.js';
import { ExactCore, EXACT_CAPABILITIES } from '../shared/exact-core.js';
import { StoredRows } from '../shared/stored-rows.js';

export const LEAF_SIZE: OptionSpec = { name: 'leafSize', type: 'integer', default: 40, min: 1, doc: 'points per leaf (leaves hold leafSize/2 to 2 leafSize points)' };

/** Exact k-NN by a KD-tree with box bounds (src/search/kd-tree/): Minkowski metrics, low dimensions. */
export const kdTreeFamily: FamilyDescriptor = {
  name: 'kd-tree',
  aliases: ['kdtree', 'kd_tree'],
  summary: 'exact KD-tree (box bounds); Minkowski metrics, best below ~16 dimensions',
  exact: true,
  metrics: KD_TREE_METRICS,
  supportsMetric: (m) => (m.minkowskiP === undefined ? `the KD-tree needs a Minkowski-family metric (${KD_TREE_METRICS.join(', ')}); use "ball-tree" for other true metrics or "brute" for any metric` : null),
  dataKinds: ['dense'],
  codecs: ['f32'],
  capabilities: EXACT_CAPABILITIES,
  options: [LEAF_SIZE],
  searchParams: [],
  formatVersion: 1,
  create(dim, ctx) {
    const leafSize = ctx.options.leafSize as number;
    return new ExactCore(ctx.metric, dim, new StoredRows(dim, false), (data) => new KDTree(data, { metric: ctx.metric, leafSize }));
  },
  load(env, ctx) {
    const leafSize = ctx.options.leafSize as number;
    return ExactCore.load(env, ctx.metric, ctx.view, (data) => new KDTree(data, { metric: ctx.metric, leafSize }));
  },
};
