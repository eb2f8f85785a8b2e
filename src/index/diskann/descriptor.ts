import { KnnkitError } from '../../core/errors.js';
import type { Metric } from '../../metrics/types.js';
import { ProductQuantizer } from '../pq/product-quantizer.js';
import type { Envelope } from '../envelope.js';
import type { BuildContext, FamilyDescriptor } from '../registry.js';
import { planRam, parseBytes } from './budget.js';
import type { DiskannOptions, DiskState } from './build.js';
import { DiskannCore } from './core.js';
import { SECTOR, SectorLayout } from './layout.js';
import { FileSectors, MemorySectors } from './sectors.js';

const METRICS = 'the "diskann" index supports euclidean, sqeuclidean and cosine (its graph and PQ codes live in L2 space)';

function supports(m: Metric): string | null {
  const k = m.dotForm?.kind;
  return k === 'l2' || k === 'cosine' ? null : METRICS;
}

export function diskannOptions(ctx: Pick<BuildContext, "options">): DiskannOptions {
  const o = ctx.options;
  return {
    R: o.R as number, L: o.L as number, alpha: o.alpha as number, seed: o.seed as number, pqIter: o.pqIter as number,
    pqBytes: o.pqBytes as number | undefined, cacheNodes: o.cacheNodes as number | undefined,
    ramBudget: parseBytes(o.ramBudget ?? '0', 'ramBudget'),
  };
}

/**
 * The saved state: codebooks, codes and norms are read into RAM; the sector image is read
 * positionally where it lies in the index file (a file envelope's `locate`), or, for an index
 * loaded from bytes, kept as a copy in memory.
 */
function load(env: Envelope, metric: Metric, dim: number, ramBudget: number | string | undefined): DiskState | null {
  const st = env.header.state.core as { n: number; R: number; medoid: number; cosine: boolean; m: number; nbits: number; cacheNodes: number; nodeBytes: number; sectorCount: number };
  const bad = (why: string) => new KnnkitError('index', `index: the saved diskann index is inconsistent: ${why}`);
  if (!st || st.n === 0) return null;
  const { n, R, m, nbits } = st;
  if (!(Number.isInteger(n) && n > 0 && Number.isInteger(R) && R >= 1 && Number.isInteger(m) && m >= 1 && dim % m === 0 && nbits >= 0 && nbits <= 8)) throw bad(`n = ${n}, R = ${R}, m = ${m}, nbits = ${nbits}`);
  if (!(Number.isInteger(st.medoid) && st.medoid >= 0 && st.medoid < n)) throw bad(`medoid ${st.medoid}`);
  if (st.cosine !== (metric.dotForm?.kind === 'cosine')) throw bad('the metric does not match the saved space');
  const layout = new SectorLayout(n, dim, R);
  if (layout.nodeBytes !== st.nodeBytes || layout.sectorCount !== st.sectorCount) throw bad('the sector layout does not match n, R and dim');
  const pq = new ProductQuantizer(dim, m, nbits, env.typed('diskann.pq', Float32Array, true));
  const codes = env.typed('diskann.codes', Uint8Array, true);
  if (codes.length !== n * m) throw bad(`${codes.length} code bytes for ${n} codes of ${m}`);
  const norms = st.cosine ? env.typed('diskann.norms', Float32Array, true) : null;
  if (norms && norms.length !== n) throw bad(`${norms.length} norms for ${n} nodes`);
  const bytes = env.sectionBytes('diskann.sectors');
  if (bytes !== layout.sectorCount * SECTOR) throw bad(`a sector image of ${bytes} bytes; ${layout.sectorCount} sectors of ${SECTOR} expected`);
  const at = env.locate?.('diskann.sectors');
  const source = at ? new FileSectors(at.path, at.offset, at.bytes, at.direct) : new MemorySectors(env.typed('diskann.sectors', Uint8Array, true));
  // a budget given at load re-plans the cache around the saved codes (DiskANN chooses its
  // nodes-to-cache when it loads, too); planRam refuses a budget the codes alone overflow
  const cacheNodes = ramBudget === undefined ? st.cacheNodes | 0 : planRam(n, dim, R, st.cosine, { ramBudget: parseBytes(ramBudget, 'ramBudget'), pqBytes: m }).cacheNodes;
  return { n, R, medoid: st.medoid, cosine: st.cosine, pq, codes, norms, layout, source, cacheNodes: Math.min(n, Math.max(0, cacheNodes)) };
}

/**
 * DiskANN (Subramanya et al. 2019): the Vamana graph served from disk. Sections: PQ codebooks,
 * n x m codes (RAM), cosine norms, and the sector image (4 KB sectors, each node's full vector
 * and adjacency list together), which a loaded index reads positionally from the index file.
 */
export const diskannFamily: FamilyDescriptor = {
  name: 'diskann',
  aliases: ['disk-ann'],
  summary: 'approximate: DiskANN, Vamana graph + full vectors in 4 KB sectors on disk, PQ codes and a medoid cache in RAM (ramBudget); beam search of width W',
  exact: false,
  metrics: ['euclidean', 'sqeuclidean', 'cosine'],
  supportsMetric: supports,
  dataKinds: ['dense'],
  codecs: ['f32'],
  // remove: the wrapper's tombstones; view: false, a loaded index reads its sectors from the
  // file instead (loadIndex never reads the whole file)
  capabilities: { train: false, add: false, remove: true, rangeSearch: false, getVector: true, view: false, sparse: false },
  options: [
    { name: 'R', type: 'integer', default: 64, min: 2, max: 1024, doc: 'maximum out-degree of a node (the sector record holds R neighbour slots)', aliases: ['r', 'maxDegree'] },
    { name: 'L', type: 'integer', default: 100, min: 1, max: 100000, doc: 'list size of the Vamana build\'s greedy search', aliases: ['l', 'buildL', 'lBuild'] },
    { name: 'alpha', type: 'number', default: 1.2, min: 1, max: 4, doc: 'RobustPrune α of the build\'s second pass' },
    { name: 'seed', type: 'integer', default: 100, min: 0, max: 0xffffffff, doc: 'seed of the start graph, pass orders and PQ training' },
    { name: 'ramBudget', type: 'string', default: '0', doc: 'RAM for PQ codes + node cache when served, e.g. "128MB" (powers of 1024); "0" = no budget (d/4-byte codes, no cache unless cacheNodes)' },
    { name: 'pqBytes', type: 'integer', min: 1, doc: 'bytes per PQ code (a divisor of the dimension); default from ramBudget (3/4 of it, at most d/2), or d/4 without one' },
    { name: 'cacheNodes', type: 'integer', min: 0, doc: 'nodes cached breadth-first from the medoid; default what ramBudget leaves after the codes (0 without one)' },
    { name: 'pqIter', type: 'integer', default: 15, min: 1, max: 1000, doc: 'k-means iterations per PQ sub-quantiser' },
    { name: 'partitionRows', type: 'integer', default: 500000, min: 2, doc: 'build from an .fvecs/.bvecs file (knnkit build, buildDiskannFile): points per partition of DiskANN\'s divide and conquer; an input of at most this many is one graph (an in-memory build is always one graph)' },
    { name: 'overlap', type: 'integer', default: 2, min: 1, max: 8, doc: 'build from a file: partitions each point joins (DiskANN: 2), so that the partition graphs overlap and merge into one' },
  ],
  searchParams: [
    { name: 'L', type: 'integer', default: 100, min: 1, doc: 'list size of the beam search (raised to k)', aliases: ['l'] },
    { name: 'beamWidth', type: 'integer', default: 4, min: 1, max: 64, doc: 'W: nodes expanded per round, their sector reads issued together', aliases: ['W', 'w'] },
    { name: 'filterStrategy', type: 'enum', default: 'auto', choices: ['auto', 'graph', 'scan'], doc: 'filtered search: beam search, reading every allowed node, or the cost rule' },
  ],
  sweep: 'L',
  formatVersion: 1,
  recallFloor: 0.9,
  create(dim, ctx) {
    return new DiskannCore(ctx.metric, dim, diskannOptions(ctx), null);
  },
  build(data, ctx) {
    if (data.kind !== 'dense') throw new KnnkitError('data', 'data: the "diskann" index needs dense data; sparse (CSR) data is searched with "brute"');
    const core = new DiskannCore(ctx.metric, data.cols, diskannOptions(ctx), null);
    if (data.rows > 0) core.buildFrom(data.data, data.rows, ctx.onProgress);
    return core;
  },
  async buildFile(input, out, ctx, threads, onProgress) {
    // loaded lazily: the streamed build pulls in the partitioner and the worker pool
    const { buildDiskannFile } = await import('./file-build.js');
    const report = await buildDiskannFile(input, out, { ...ctx.options, threads }, onProgress);
    return { ...report };
  },
  load(env, ctx) {
    const c = ctx.ramBudget === undefined ? ctx : { ...ctx, options: { ...ctx.options, ramBudget: ctx.ramBudget } };
    return new DiskannCore(ctx.metric, env.header.dim, diskannOptions(c), load(env, ctx.metric, env.header.dim, ctx.ramBudget));
  },
};
