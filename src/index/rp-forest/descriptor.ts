import { KnnkitError } from '../../core/errors.js';
import type { Matrix } from '../../core/data.js';
import type { Metric } from '../../metrics/types.js';
import type { FamilyDescriptor, BuildContext } from '../registry.js';
import type { SplitKind } from './build.js';
import { ForestCore, type ForestSettings } from './forest-core.js';

/** Annoy's metrics as knnkit metrics: angular = cosine, dot = ip (1 - <a, b>). */
const SPLIT_KIND: Record<string, SplitKind> = { cosine: 'angular', euclidean: 'euclidean', sqeuclidean: 'euclidean', manhattan: 'manhattan', ip: 'dot' };

/** Metrics of codec "bits" (0/1 rows): popcount(a XOR b) is the Hamming count and the squared L2 distance. */
const BITS_METRICS = ['hamming', 'euclidean', 'sqeuclidean'];

function settings(ctx: BuildContext, dim: number): ForestSettings {
  const o = ctx.options;
  const codec = (o.codec as string | undefined) ?? 'f32', m = ctx.metric.name;
  if (codec === 'bits' && !BITS_METRICS.includes(m)) throw new KnnkitError('metric', `metric: got ${JSON.stringify(m)} with codec "bits"; rp-forest over bits ranks by popcount: use "hamming", "euclidean" or "sqeuclidean"`);
  if (codec !== 'bits' && m === 'hamming') throw new KnnkitError('codec', `codec: got ${JSON.stringify(codec)} with metric "hamming"; rp-forest splits Hamming data bit by bit (Annoy's Hamming): pass codec "bits" (0/1 vectors)`);
  const kind: SplitKind = codec === 'bits' ? 'hamming' : SPLIT_KIND[m];
  // Annoy's K (node-sized leaves): d + 2 for float nodes, 2 ceil(d / 64) + 3 for 64-bit Hamming words
  const leaf = kind === 'hamming' ? 2 * Math.ceil(dim / 64) + 3 : dim + 2;
  return { nTrees: o.nTrees as number, leafSize: (o.leafSize as number | undefined) ?? leaf, seed: o.seed as number, kind };
}

function dense(data: Matrix): Matrix {
  if (data.kind !== 'dense') throw new KnnkitError('data', 'data: rp-forest needs dense data; sparse (CSR) data is searched with "brute"');
  return data;
}

/** Labels 0..n-1 (a bulk build's rows). */
function identity(n: number): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i;
  return labels;
}

/**
 * Random-projection forest (Annoy, Bernhardsson 2013-): nTrees trees of two-means hyperplane
 * splits searched through one priority queue by margin; exact re-ranking of searchK candidates.
 * Its persisted sections are flat arrays searched in place by `loadIndex(path, { view: true })`.
 */
export const rpForestFamily: FamilyDescriptor = {
  name: 'rp-forest',
  aliases: ['annoy', 'rpforest', 'rp_forest'],
  summary: 'approximate: forest of random-projection trees (Annoy: two-means splits, one margin queue); searches its file in place',
  exact: false,
  metrics: ['cosine (angular)', 'euclidean', 'sqeuclidean', 'manhattan', 'ip (dot)', 'hamming (codec bits)'],
  supportsMetric: (m: Metric) => (SPLIT_KIND[m.name] || m.name === 'hamming' ? null : `rp-forest splits for Annoy's metrics: cosine (angular), euclidean, sqeuclidean, manhattan, ip (dot), hamming (codec "bits"); use "hnsw" or "brute" for ${m.name}`),
  dataKinds: ['dense'],
  codecs: ['f32', 'bits'],
  capabilities: { train: false, add: false, remove: true, rangeSearch: false, getVector: true, view: true, sparse: false },
  options: [
    { name: 'nTrees', type: 'integer', default: 50, min: 1, max: 100000, doc: 'number of trees (more: higher recall, more memory, longer build)', aliases: ['trees', 'ntrees', 'n_trees'] },
    { name: 'leafSize', type: 'integer', min: 1, doc: 'most items in a leaf; default derived: Annoy\'s K, d + 2 for float vectors, 2 ceil(d / 64) + 3 for codec bits', aliases: ['leaf_size'] },
    { name: 'seed', type: 'integer', default: 1, min: 0, max: 0xffffffff, doc: 'seed of the two-means draws (same data + seed = same forest)' },
  ],
  searchParams: [
    { name: 'searchK', type: 'integer', min: 1, doc: 'distinct candidates re-ranked per query; default derived: nTrees x k (Annoy); >= n is exact', aliases: ['search_k'] },
  ],
  sweep: 'searchK',
  formatVersion: 1,
  recallFloor: 0.8,
  create(dim, ctx) {
    return new ForestCore(ctx.metric, dim, settings(ctx, dim));
  },
  build(data, ctx) {
    const core = new ForestCore(ctx.metric, data.cols, settings(ctx, data.cols));
    core.add(dense(data), identity(data.rows));
    return core;
  },
  // trees are independent: ranges of them build on the shared worker pool, same forest as build()
  async buildAsync(data, ctx, threads) {
    const core = new ForestCore(ctx.metric, data.cols, settings(ctx, data.cols));
    if (threads <= 1) core.add(dense(data), identity(data.rows));
    else await core.addAsync(dense(data), identity(data.rows), threads);
    return core;
  },
  load(env, ctx) {
    return ForestCore.load(env, ctx.metric, ctx.view);
  },
};
