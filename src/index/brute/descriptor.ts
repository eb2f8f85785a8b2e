import { KnnkitError } from '../../core/errors.js';
import { BruteForce } from '../../search/brute-force/brute-force.js';
import type { FamilyDescriptor } from '../registry.js';
import type { NeighborIndex } from '../../search/types.js';
import { ExactCore, EXACT_CAPABILITIES } from '../shared/exact-core.js';
import { StoredRows } from '../shared/stored-rows.js';
import { CodedCore } from './coded-core.js';

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
  metrics: ['euclidean', 'sqeuclidean', 'manhattan', 'chebyshev', 'minkowski', 'cosine', 'ip', 'hamming', 'mahalanobis'],
  supportsMetric: () => null,
  dataKinds: ['dense', 'sparse'],
  codecs: ['f32', 'f16', 'sq8', 'bits'],
  capabilities: { ...EXACT_CAPABILITIES, train: true, sparse: true },
  options: [
    { name: 'refine', type: 'boolean', default: false, doc: 'codecs f16 / sq8: also keep the float32 rows and re-rank the best k x kFactor exactly' },
  ],
  searchParams: [
    { name: 'kFactor', type: 'integer', default: 4, min: 1, doc: 'with refine: candidates per result re-ranked exactly (FAISS IndexRefineFlat k_factor)' },
  ],
  formatVersion: 1,
  create(dim, ctx) {
    const codec = (ctx.options.codec as string | undefined) ?? 'f32';
    if (codec !== 'f32') {
      if (ctx.sparse) throw new KnnkitError('codec', `codec: got ${JSON.stringify(codec)}; sparse (CSR) rows are stored as they are ("f32")`);
      return CodedCore.create(ctx.metric, dim, codec, ctx.options.refine === true);
    }
    return new ExactCore(ctx.metric, dim, new StoredRows(dim, ctx.sparse === true), (data) => new BruteForce(data, { metric: ctx.metric }), countsInputRows);
  },
  load(env, ctx) {
    if ((env.header.state.core as { codec?: string }).codec !== undefined) return CodedCore.load(env, ctx.metric, ctx.view);
    return ExactCore.load(env, ctx.metric, ctx.view, (data) => new BruteForce(data, { metric: ctx.metric }), countsInputRows);
  },
};

/** Brute force counts the stored rows only when it scans them in place (see BruteForce.countsInputRows). */
function countsInputRows(engine: NeighborIndex): boolean {
  return (engine as BruteForce).countsInputRows;
}
