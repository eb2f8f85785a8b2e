import type { FamilyDescriptor } from '../registry.js';
import { quantiserMetric } from '../ivf/coarse.js';
import { IVF_CAPABILITIES } from '../ivf/descriptor.js';
import { ScannCore, type ScannOptions } from './scann-core.js';

function scannOptions(o: Record<string, unknown>): ScannOptions {
  return {
    numLeaves: o.numLeaves as number | undefined, dimsPerBlock: o.dimsPerBlock as number | undefined,
    threshold: o.threshold as number, anisotropicIter: o.anisotropicIter as number, encodeSweeps: o.encodeSweeps as number,
    trainingSampleSize: o.trainingSampleSize as number, niter: o.niter as number, seed: o.seed as number,
    maxPointsPerCentroid: o.maxPointsPerCentroid as number,
  };
}

export const scannFamily: FamilyDescriptor = {
  name: 'scann',
  summary: 'approximate: ScaNN, k-means leaves + anisotropic 4-bit PQ of the residuals (score-aware loss) scored by the fast scan, exact reordering of the best reorderK',
  exact: false,
  metrics: ['ip', 'cosine', 'euclidean', 'sqeuclidean'],
  supportsMetric: quantiserMetric,
  dataKinds: ['dense'],
  codecs: ['pq'],
  capabilities: IVF_CAPABILITIES,
  options: [
    { name: 'numLeaves', type: 'integer', min: 1, doc: 'k-means partition leaves; default derived at train: round(sqrt(n)), at most n / 16' },
    { name: 'dimsPerBlock', type: 'integer', min: 1, doc: 'dimensions per 16-centre (4-bit) PQ block; default 2 (ScaNN), a larger divisor of d when d / 2 > 256' },
    { name: 'threshold', type: 'number', default: 0.2, min: 0, doc: 'anisotropic threshold T: parallel error weighted eta = (d - 1)(T^2/||x||^2)/(1 - T^2/||x||^2) times the orthogonal error (ScaNN: 0.2 for unit-norm data); 0 = plain PQ; ignored under L2 metrics' },
    { name: 'anisotropicIter', type: 'integer', default: 10, min: 0, doc: 'alternations of coordinate-descent assignment and codebook solve after the k-means start' },
    { name: 'encodeSweeps', type: 'integer', default: 3, min: 0, doc: 'coordinate-descent sweeps over the blocks when encoding a vector' },
    { name: 'trainingSampleSize', type: 'integer', default: 20000, min: 16, doc: 'rows the anisotropic codebooks are trained on (a seeded sample)' },
    { name: 'niter', type: 'integer', default: 10, min: 1, doc: 'k-means iterations of the partition' },
    { name: 'seed', type: 'integer', default: 1234, min: 0, max: 0xffffffff, doc: 'seed of the samples and initial centres' },
    { name: 'maxPointsPerCentroid', type: 'integer', default: 256, min: 1, doc: 'k-means trains on at most this many sampled points per centre' },
  ],
  searchParams: [
    { name: 'leavesToSearch', type: 'integer', default: 32, min: 1, doc: 'leaves scanned per query (clamped to numLeaves)' },
    { name: 'reorderK', type: 'integer', default: 100, min: 1, doc: 'candidates by the quantised score re-ranked by exact distance (at least k)' },
  ],
  sweep: 'leavesToSearch',
  formatVersion: 1,
  recallFloor: 0.9,
  create(dim, ctx) { return new ScannCore(ctx.metric, dim, scannOptions(ctx.options)); },
  load(env, ctx) { return ScannCore.load(env, ctx.metric, scannOptions(ctx.options), ctx.view); },
};
