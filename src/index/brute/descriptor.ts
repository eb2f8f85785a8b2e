import { BruteForce } from '../../search/brute-force/brute-force.js';
import { METRIC_NAMES } from '../../metrics/registry.js';
import type { FamilyDescriptor } from '../registry.js';
import { ExactCore, EXACT_CAPABILITIES } from '../shared/exact-core.js';
import { StoredRows } from '../shared/stored-rows.js';

/**
 * Exact search by scanning every point (FAISS's IndexFlat): the oracle of every other family.
 * Dense rows go through the blocked WebAssembly kernels with exact float64 re-ranking; CSR rows
 * through the inverted column index (src/search/brute-force/).
 */
export const bruteFamily: FamilyDescriptor = {
  name: 'brute',
  aliases: ['flat', 'brute-force', 'bruteforce'],
  summary: 'exact scan of every point (the oracle); dense or sparse, any metric',
  exact: true,
  metrics: METRIC_NAMES,
  supportsMetric: () => null,
  dataKinds: ['dense', 'sparse'],
  codecs: ['f32'],
  capabilities: { ...EXACT_CAPABILITIES, sparse: true },
  options: [],
  searchParams: [],
  formatVersion: 1,
  create(dim, ctx) {
    return new ExactCore(ctx.metric, dim, new StoredRows(dim, ctx.sparse === true), (data) => new BruteForce(data, { metric: ctx.metric }), true);
  },
  load(env, ctx) {
    return ExactCore.load(env, ctx.metric, ctx.view, (data) => new BruteForce(data, { metric: ctx.metric }), true);
  },
};
