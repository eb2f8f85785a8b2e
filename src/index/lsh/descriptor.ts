import { KnnkitError } from '../../core/errors.js';
import type { FamilyDescriptor, BuildContext } from '../registry.js';
import { LshCore } from './lsh-core.js';
import { autoMode, checkModeMetric, MODE_METRICS, type LshMode, type LshRequest } from './params.js';

function requested(ctx: BuildContext): LshRequest {
  const o = ctx.options;
  const mode = o.mode as LshMode | 'auto';
  checkModeMetric(mode === 'auto' ? autoMode(ctx.metric) : mode, ctx.metric);
  return {
    mode, tables: o.tables as number, bits: o.bits as number | undefined, w: o.w as number | undefined,
    seed: o.seed as number, trainThresholds: o.trainThresholds as boolean,
  };
}

/**
 * Locality-sensitive hashing (Indyk & Motwani 1998) with exact re-ranking: random hyperplanes
 * for cosine (Charikar 2002), p-stable projections for Euclidean (Datar et al. 2004), both
 * multi-probed (Lv et al. 2007), or FAISS IndexLSH's rotated sign bits scanned by Hamming
 * distance. See docs/lsh.md for the collision probabilities and `tuneLsh` (./tune.ts).
 */
export const lshFamily: FamilyDescriptor = {
  name: 'lsh',
  aliases: ['multi-probe-lsh', 'indexlsh'],
  summary: 'approximate: locality-sensitive hashing (SimHash / p-stable, multi-probe; FAISS IndexLSH mode), exact re-ranking',
  exact: false,
  metrics: ['cosine', 'euclidean', 'sqeuclidean'],
  supportsMetric: (m) => (MODE_METRICS.faiss.includes(m.name) ? null : `lsh hashes cosine (random hyperplanes) and euclidean / sqeuclidean (p-stable projections); use "hnsw" or "rp-forest" for ${m.name}`),
  dataKinds: ['dense'],
  codecs: ['f32'],
  capabilities: { train: false, add: true, remove: true, rangeSearch: false, getVector: true, view: true, sparse: false },
  options: [
    { name: 'mode', type: 'enum', default: 'auto', choices: ['auto', 'simhash', 'pstable', 'faiss'], doc: 'hash family: auto = simhash for cosine, pstable for euclidean; faiss = IndexLSH (rotated sign bits, Hamming scan)' },
    { name: 'tables', type: 'integer', default: 16, min: 1, max: 1024, doc: 'L, the number of hash tables (ignored in faiss mode)', aliases: ['nTables'] },
    { name: 'bits', type: 'integer', min: 1, max: 4096, doc: 'K, hash functions per table (simhash <= 32); faiss mode: code bits. Default derived: K with n p_far^K = 32, faiss 2 d', aliases: ['nbits'] },
    { name: 'w', type: 'number', min: 0, minExclusive: true, doc: 'p-stable bucket width; default derived: 4 x the median distance to the 10th neighbour of 32 sampled rows', aliases: ['width'] },
    { name: 'seed', type: 'integer', default: 1, min: 0, max: 0xffffffff, doc: 'seed of the hash functions (same data + seed = same index)' },
    { name: 'trainThresholds', type: 'boolean', default: false, doc: 'faiss mode: per-bit thresholds at the data medians (IndexLSH train_thresholds)' },
  ],
  searchParams: [
    { name: 'probes', type: 'integer', default: 8, min: 1, max: 65536, doc: 'buckets probed per table, home bucket included (1 = plain LSH; Lv et al. query-directed order); faiss mode: the probes x k nearest codes are re-ranked' },
  ],
  sweep: 'probes',
  formatVersion: 1,
  recallFloor: 0.8,
  create(dim, ctx) {
    return new LshCore(ctx.metric, dim, requested(ctx));
  },
  build(data, ctx) {
    if (data.kind !== 'dense') throw new KnnkitError('data', 'data: lsh needs dense data; sparse (CSR) data is searched with "brute"');
    const core = new LshCore(ctx.metric, data.cols, requested(ctx));
    const labels = new Int32Array(data.rows);
    for (let i = 0; i < labels.length; i++) labels[i] = i;
    core.add(data, labels);
    return core;
  },
  load(env, ctx) {
    return LshCore.load(env, ctx.metric, ctx.view);
  },
};
