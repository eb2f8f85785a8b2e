import { KnnkitError } from '../../core/errors.js';
import { defaultThreads } from '../../parallel/index.js';
import type { FamilyDescriptor, BuildContext } from '../registry.js';
import { VamanaCore, spaceOf, type VamanaOptions } from './core.js';
import { VamanaGraph } from './graph.js';

function vamanaOptions(ctx: BuildContext): VamanaOptions {
  const o = ctx.options;
  const threads = typeof o.threads === 'number' ? o.threads : defaultThreads();
  return { R: o.R as number, L: o.L as number, alpha: o.alpha as number, seed: o.seed as number, consolidateAt: o.consolidateAt as number, threads };
}

/** The graph of a new index: on shared memory when the build may use worker threads. */
function newGraph(dim: number, o: VamanaOptions, ctx: BuildContext, capacity = 0): VamanaGraph {
  return new VamanaGraph(dim, o.R, space(ctx), capacity, true, (o.threads ?? 1) > 1);
}

function space(ctx: BuildContext) {
  const s = spaceOf(ctx.metric);
  if (!s) throw new KnnkitError('metric', `metric: got ${JSON.stringify(ctx.metric.name)}; the "vamana" index supports euclidean, sqeuclidean, cosine and ip`);
  return s;
}

/**
 * Vamana, DiskANN's in-memory graph (Subramanya et al. 2019), with FreshDiskANN's lazy deletes
 * and consolidation (Singh et al. 2021). Sections are the graph's flat arrays (vectors, n x R
 * adjacency, degrees, flags), so a view load searches straight from the saved bytes.
 */
export const vamanaFamily: FamilyDescriptor = {
  name: 'vamana',
  aliases: ['diskann-mem'],
  summary: 'approximate: Vamana graph (DiskANN, Subramanya et al. 2019), in memory; lazy deletes with consolidation',
  exact: false,
  metrics: ['euclidean', 'sqeuclidean', 'cosine', 'ip'],
  supportsMetric: (m) => (spaceOf(m) ? null : 'the "vamana" index supports euclidean, sqeuclidean, cosine and ip (metrics with a dot-product form)'),
  dataKinds: ['dense'],
  codecs: ['f32'],
  capabilities: { train: false, add: true, remove: true, rangeSearch: false, getVector: true, view: true, sparse: false },
  options: [
    { name: 'R', type: 'integer', default: 64, min: 2, max: 1024, doc: 'maximum out-degree of a node', aliases: ['r', 'maxDegree'] },
    { name: 'L', type: 'integer', default: 100, min: 1, max: 100000, doc: 'list size of the build\'s greedy search (and of later inserts)', aliases: ['l', 'buildL', 'lBuild'] },
    { name: 'alpha', type: 'number', default: 1.2, min: 1, max: 4, doc: 'RobustPrune α of the second pass, inserts and consolidation (1 = no long edges)' },
    { name: 'seed', type: 'integer', default: 100, min: 0, max: 0xffffffff, doc: 'seed of the start graph and the pass orders (same data + seed + threads 1 = same graph)' },
    { name: 'threads', type: 'integer', min: 1, max: 1024, doc: 'threads of the build\'s two passes (default: every core; DiskANN-style per-node locks): the links then vary from run to run, recall does not; 1 = serial and reproducible. The CLI\'s --threads sets it' },
    { name: 'consolidateAt', type: 'number', default: 0.1, min: 0, max: 1, doc: 'consolidate lazily deleted nodes once this fraction of the nodes is deleted (0 = at every remove)' },
  ],
  searchParams: [
    { name: 'L', type: 'integer', default: 100, min: 1, doc: 'list size of the search (raised to k)', aliases: ['l'] },
    { name: 'filterStrategy', type: 'enum', default: 'auto', choices: ['auto', 'graph', 'scan'], doc: 'filtered search: graph walk, exact scan of the allowed points, or the cost rule' },
  ],
  sweep: 'L',
  formatVersion: 1,
  recallFloor: 0.9,
  create(dim, ctx) {
    const o = vamanaOptions(ctx);
    return new VamanaCore(ctx.metric, dim, o, newGraph(dim, o, ctx));
  },
  build(data, ctx) {
    if (data.kind !== 'dense') throw new KnnkitError('data', 'data: the "vamana" index needs dense data; sparse (CSR) data is searched with "brute"');
    const o = vamanaOptions(ctx);
    const core = new VamanaCore(ctx.metric, data.cols, o, newGraph(data.cols, o, ctx, data.rows));
    core.addRows(data.data, data.rows, ctx.onProgress);
    return core;
  },
  load(env, ctx) {
    const o = vamanaOptions(ctx);
    const g = VamanaGraph.load(env, env.header.dim, ctx.view);
    if (g.R !== o.R) throw new KnnkitError('index', `index: the saved vamana graph has R = ${g.R} but its options say ${o.R}`);
    return new VamanaCore(ctx.metric, env.header.dim, o, g);
  },
};
