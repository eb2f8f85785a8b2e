import type { OptionSpec } from '../options.js';
import type { BuildContext, FamilyDescriptor } from '../registry.js';
import { quantiserMetric } from '../ivf/coarse.js';
import { IVF_CAPABILITIES, IVF_OPTIONS, NPROBE } from '../ivf/descriptor.js';
import { ivfOptions } from '../ivf/ivf-flat-core.js';
import { IvfPqCore, type PqOptions } from './ivf-pq-core.js';

const PQ_OPTIONS: readonly OptionSpec[] = [
  { name: 'm', type: 'integer', min: 1, doc: 'sub-quantisers (bytes per code), a divisor of the dimension; default d/4 from 32 dimensions up (d/2 below 32 or when 4 does not divide d, d when d is odd)' },
  { name: 'nbits', type: 'integer', default: 8, min: 4, max: 8, doc: 'bits per sub-quantiser code: 8 (256 centroids per sub-space, float ADC tables) or 4 (16 centroids, codes packed in blocks of 32 and scanned by the uint8-table fast scan, FAISS PQ<m>x4fs)' },
  { name: 'pqIter', type: 'integer', default: 25, min: 1, doc: 'k-means iterations per sub-quantiser (FAISS PQ: 25)' },
  { name: 'refine', type: 'boolean', default: false, doc: 'keep the float vectors and re-rank the best k * kFactor by exact distance (FAISS IndexRefineFlat, RFlat)' },
  { name: 'opqM', type: 'integer', default: 0, min: 0, doc: 'OPQ: rotate the data first by an orthogonal matrix fitted for a PQ of this many sub-spaces (a divisor of d; FAISS OPQ<M>); 0 = no rotation' },
  { name: 'opqIter', type: 'integer', default: 20, min: 1, doc: 'OPQ: alternations of PQ training and the orthogonal Procrustes step' },
];

const KFACTOR: OptionSpec = { name: 'kFactor', type: 'integer', default: 4, min: 1, doc: 'with refine: ADC candidates re-ranked exactly, as a multiple of k (FAISS k_factor)' };

function pqOptions(ctx: BuildContext, ivf: boolean): PqOptions {
  const o = ctx.options;
  return {
    m: o.m as number | undefined, nbits: o.nbits as number, pqIter: o.pqIter as number,
    seed: o.seed as number, maxPointsPerCentroid: o.maxPointsPerCentroid as number,
    refine: o.refine as boolean, precomputedTable: (o.precomputedTable as boolean | undefined) ?? true,
    ivf: ivf ? ivfOptions(o) : null,
    opqM: (o.opqM as number | undefined) ?? 0, opqIter: (o.opqIter as number | undefined) ?? 20,
  };
}

export const pqFamily: FamilyDescriptor = {
  name: 'pq',
  aliases: ['indexpq'],
  summary: 'approximate: product quantisation, m-byte codes scanned by ADC tables (FAISS IndexPQ), optional exact re-ranking',
  exact: false,
  metrics: ['euclidean', 'sqeuclidean', 'ip', 'cosine'],
  supportsMetric: quantiserMetric,
  dataKinds: ['dense'],
  codecs: ['pq'],
  capabilities: IVF_CAPABILITIES,
  options: [
    ...PQ_OPTIONS,
    { name: 'seed', type: 'integer', default: 1234, min: 0, max: 0xffffffff, doc: 'seed of the training samples and initial centroids (FAISS: 1234)' },
    { name: 'maxPointsPerCentroid', type: 'integer', default: 256, min: 1, doc: 'k-means trains on at most this many sampled points per centroid (FAISS: 256)' },
  ],
  searchParams: [KFACTOR],
  formatVersion: 1,
  recallFloor: 0.5,
  create(dim, ctx) { return new IvfPqCore(ctx.metric, dim, pqOptions(ctx, false)); },
  load(env, ctx) { return IvfPqCore.load(env, ctx.metric, pqOptions(ctx, false), ctx.view); },
};

export const ivfPqFamily: FamilyDescriptor = {
  name: 'ivf-pq',
  aliases: ['ivfpq'],
  summary: 'approximate: inverted file + product-quantised residuals, ADC with precomputed tables (FAISS IndexIVFPQ), optional exact re-ranking',
  exact: false,
  metrics: ['euclidean', 'sqeuclidean', 'ip', 'cosine'],
  supportsMetric: quantiserMetric,
  dataKinds: ['dense'],
  codecs: ['pq'],
  capabilities: IVF_CAPABILITIES,
  options: [
    ...IVF_OPTIONS,
    ...PQ_OPTIONS,
    { name: 'precomputedTable', type: 'boolean', default: true, doc: 'L2: precompute ||r||^2 + 2<c, r> per list (nlist x m x 256 floats; FAISS use_precomputed_table)' },
  ],
  searchParams: [NPROBE, KFACTOR],
  sweep: 'nprobe',
  formatVersion: 1,
  recallFloor: 0.6,
  create(dim, ctx) { return new IvfPqCore(ctx.metric, dim, pqOptions(ctx, true)); },
  load(env, ctx) { return IvfPqCore.load(env, ctx.metric, pqOptions(ctx, true), ctx.view); },
};
