import type { OptionSpec } from '../options.js';
import type { FamilyDescriptor } from '../registry.js';
import { quantiserMetric } from './coarse.js';
import { IvfFlatCore, ivfOptions } from './ivf-flat-core.js';

/** The coarse level's build options, shared by ivf-flat and ivf-pq. */
export const IVF_OPTIONS: readonly OptionSpec[] = [
  { name: 'nlist', type: 'integer', min: 1, doc: 'inverted lists (k-means cells); default derived at train: round(4 sqrt(n)), at most n / 39' },
  { name: 'niter', type: 'integer', default: 10, min: 1, doc: 'k-means iterations of the coarse quantiser (FAISS IVF: 10)' },
  { name: 'seed', type: 'integer', default: 1234, min: 0, max: 0xffffffff, doc: 'seed of the training sample and initial centroids (FAISS: 1234)' },
  { name: 'maxPointsPerCentroid', type: 'integer', default: 256, min: 1, doc: 'k-means trains on at most this many sampled points per centroid (FAISS: 256)' },
  { name: 'threads', type: 'integer', min: 1, max: 1024, doc: 'threads of the coarse k-means and of assigning added vectors to lists (default: every core; the index is the same whatever the count). The CLI\'s --threads sets it' },
];

export const NPROBE: OptionSpec = { name: 'nprobe', type: 'integer', default: 16, min: 1, doc: 'inverted lists scanned per query (clamped to nlist; nlist = exhaustive)' };

/** Capabilities of the IVF and PQ families. */
export const IVF_CAPABILITIES = { train: true, add: true, remove: true, rangeSearch: false, getVector: true, view: true, sparse: false } as const;

export const ivfFlatFamily: FamilyDescriptor = {
  name: 'ivf-flat',
  aliases: ['ivfflat', 'ivf'],
  summary: 'approximate: inverted file over k-means cells, vectors uncompressed (FAISS IndexIVFFlat)',
  exact: false,
  metrics: ['euclidean', 'sqeuclidean', 'ip', 'cosine'],
  supportsMetric: quantiserMetric,
  dataKinds: ['dense'],
  codecs: ['f32'],
  capabilities: IVF_CAPABILITIES,
  options: IVF_OPTIONS,
  searchParams: [NPROBE],
  sweep: 'nprobe',
  formatVersion: 1,
  recallFloor: 0.9,
  create(dim, ctx) {
    return new IvfFlatCore(ctx.metric, dim, ivfOptions(ctx.options));
  },
  load(env, ctx) {
    return IvfFlatCore.load(env, ctx.metric, ivfOptions(ctx.options), ctx.view);
  },
};
